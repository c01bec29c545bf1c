"""Lab 05, Step 2: Redis killed under traffic. Slower, never broken; back by itself.

An app server answers requests while its Redis is SIGKILLed and started again: every answer is
still the one the app would give without a cache (2xx, or 4xx for a bad request), never a 500
or a hang, and once Redis is back the app finds its cache again within 10 s, with no restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import requests

from tests.lab05.guide import FAIL_OPEN
from tests.lab05.stacks import SLOW_TEST_S, keyspace, register
from workshop.services import Stack

DOWN_S = 3.0
RECOVERY_S = 10.0


class Traffic:
    """Two users reading feeds, photos and profiles, and liking, in a loop on one thread."""

    def __init__(self, base_url: str) -> None:
        self.ann = register(base_url, "ann")
        self.bob = register(base_url, "bob")
        self.photos = [self.ann.upload(f"photo {n}")["id"] for n in range(3)]
        self.bob.json("POST", f"/api/users/{self.ann.username}/follow")
        self.answers: list[tuple[str, int | str]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def one_round(self) -> None:
        """Each request the app serves on every screen, once."""
        bob, photo = self.bob, self.photos[len(self.answers) % 3]
        for method, path in [
            ("GET", "/api/feed"),
            ("GET", f"/api/photos/{photo}"),
            ("GET", f"/api/users/{self.ann.username}"),
            ("GET", f"/api/users/{self.ann.username}/photos"),
            ("POST", f"/api/photos/{photo}/like"),
            ("DELETE", f"/api/photos/{photo}/like"),
        ]:
            try:
                status: int | str = bob.call(method, path).status_code
            except requests.RequestException as error:
                status = f"{type(error).__name__}"
            self.answers.append((f"{method} {path}", status))

    def run(self) -> None:
        while not self.stop.is_set():
            self.one_round()

    def failures(self) -> list[tuple[str, int | str]]:
        """The answers that were not 2xx or 4xx."""
        return [(what, s) for what, s in self.answers if not (isinstance(s, int) and s < 500)]


@pytest.mark.timeout(SLOW_TEST_S)
def test_a_killed_redis_costs_no_failed_request_and_comes_back(
    redis_stack: Callable[..., Stack],
):
    """SIGKILL Redis under traffic, start it again: no 5xx, and cache hits within 10 s."""
    stack = redis_stack(app_servers=1)
    assert stack.redis is not None
    traffic = Traffic(stack.base_url)
    traffic.thread.start()
    try:
        time.sleep(1.0)
        hits_before, _ = keyspace(stack)
        stack.redis.kill()
        killed_at = len(traffic.answers)
        time.sleep(DOWN_S)
        during = len(traffic.answers) - killed_at
        stack.redis.start()
        deadline = time.monotonic() + RECOVERY_S
        hits = 0
        while time.monotonic() < deadline and hits == 0:
            time.sleep(0.5)
            hits, _ = keyspace(stack)
    finally:
        traffic.stop.set()
        traffic.thread.join(timeout=30)
    failed = traffic.failures()
    assert not failed, (
        f"expected every request to answer 2xx or 4xx while Redis was down, got "
        f"{len(failed)} of {len(traffic.answers)} failing, e.g. {failed[:3]}: any Redis error "
        f"must be a cache miss ({FAIL_OPEN})"
    )
    assert hits_before > 0, (
        f"expected the app to find entries in Redis before the kill (keyspace_hits > 0), got "
        f"{hits_before}: is the repository wrapped, and does a read store what it loaded? "
        f"({FAIL_OPEN})"
    )
    assert during >= 6, (
        f"expected the app to keep answering while Redis was down, it answered only {during} "
        f"requests in {DOWN_S:.0f} s: time out quickly, then stop asking for a while "
        f"(the circuit breaker) ({FAIL_OPEN})"
    )
    assert hits > 0, (
        f"expected cache hits again within {RECOVERY_S:.0f} s of Redis's restart (its "
        f"keyspace_hits counter), got none: after the breaker's pause, try Redis again "
        f"({FAIL_OPEN})"
    )

