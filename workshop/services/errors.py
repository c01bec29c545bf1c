"""The one error the services raise."""

from __future__ import annotations


class ServiceError(RuntimeError):
    """A server could not be found, started or stopped; the message says how to fix it."""
