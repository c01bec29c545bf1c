"""Child processes the workshop starts must never outlive it: the helpers that make sure."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """Return a preexec_fn that sends the child `sig` when the workshop dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None

    def arrange() -> None:
        import ctypes

        pr_set_pdeathsig = 1  # from <sys/prctl.h>: works even when the parent is SIGKILLed
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, sig)

    return arrange


@contextlib.contextmanager
def stop_on_terminate() -> Iterator[None]:
    """Treat SIGTERM and SIGHUP (a closed terminal) like Ctrl-C, so cleanup code runs."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; it gets the signal anyway
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
