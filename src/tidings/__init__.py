"""Tidings: a self-hosted, async-first team communication hub."""

__version__ = "0.1.0"
