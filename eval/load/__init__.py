"""Load and soak runs against a local server (HTTP clients of the API; nothing here is imported by the service)."""
