"""Read-side use cases: what a member may see, shaped for the API and CLI."""
