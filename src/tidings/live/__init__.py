"""Live events: the per-workspace log, fanned out to sockets after permission filtering."""
