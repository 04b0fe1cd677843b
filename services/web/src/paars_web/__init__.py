"""Paars web app: server-rendered pages over the services' gRPC APIs, as the signed-in person."""
