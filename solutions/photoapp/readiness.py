"""Lab 02: is this app server ready for traffic? Its database answers and its media is writable.

/healthz says "the process is alive"; /readyz, built on this module, says "send me requests".
A load balancer (lab 04) stops sending traffic to a server whose /readyz fails, and sends it
again when it recovers, without restarting anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from photoapp.services import PhotoService

OK = "ok"
MAX_DETAIL = 200  # enough to say what failed, short enough for a log line


@dataclass(frozen=True)
class Readiness:
    """The result of one check: each dependency's name with "ok" or what went wrong."""

    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        """Tell whether every dependency answered."""
        return all(result == OK for result in self.checks.values())


def check_readiness(service: PhotoService) -> Readiness:
    """Ping the database and the media store; never raise, report."""
    return Readiness({"database": _probe(service.repo.ping), "media": _probe(service.blobs.ping)})


def _probe(ping: Callable[[], None]) -> str:
    """Run one ping; return "ok" or the error's type and message."""
    try:
        ping()
    except Exception as error:  # any failure means "not ready"; its text says why
        return f"{type(error).__name__}: {error}"[:MAX_DETAIL]
    return OK
