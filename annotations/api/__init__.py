"""The REST API under /api/: token-authenticated (knox) or session-authenticated, with the
same roles and access module as the web UI."""
