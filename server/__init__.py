"""Therapy Journal sync server: a zero-knowledge relay for encrypted journal records."""

from server.app import create_app

__all__ = ["create_app"]
