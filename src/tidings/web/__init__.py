"""Server-rendered pages. The full web client is still to come; these are the first."""
