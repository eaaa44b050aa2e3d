"""The HTTP JSON API under /api/v1 and the event streams."""
