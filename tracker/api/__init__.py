"""The JSON API for national parties' and networks' own systems (read and answer escalations)."""
