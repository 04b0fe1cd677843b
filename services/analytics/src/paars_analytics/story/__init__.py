"""The organisation story in analytics (issue 16 item 5): values lived in feedback, themes goals serve, untouched parts."""
