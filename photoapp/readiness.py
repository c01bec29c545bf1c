"""Lab 02: is this app server ready for traffic? Its database answers and its media is writable.

Your task is in labs/02-real-serving/README.md, section "Step 4: readiness".
The route GET /readyz (photoapp/web/health.py) calls check_readiness() and answers 200 when
`ready` is true, 503 otherwise, with `checks` in the body.
"""

from __future__ import annotations

from dataclasses import dataclass

from photoapp.services import PhotoService

GUIDE = "see labs/02-real-serving/README.md"
OK = "ok"


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
    raise NotImplementedError(f"Lab 02: write check_readiness in {__name__} ({GUIDE})")
