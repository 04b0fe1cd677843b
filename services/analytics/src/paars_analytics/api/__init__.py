"""The query API (paars.analytics.v1.AnalyticsService) served from the worker process."""
