"""The web UI's pages, one module per area; all of them call the same actions as the API."""
