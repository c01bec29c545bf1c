"""A repository wrapper that counts the calls reaching the repository (the database)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any


class CountingRepository:
    """Pass every call to `inner`, counting it by method name; `slow` methods sleep first."""

    def __init__(self, inner: Any, slow: dict[str, float] | None = None) -> None:
        self.inner = inner
        self.slow = slow or {}
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if not callable(method) or name.startswith("_"):
            return method

        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls[name] += 1
            if name in self.slow:
                time.sleep(self.slow[name])
            return method(*args, **kwargs)

        return counted

    def reads(self) -> int:
        """How many calls other than ping and close were made."""
        return sum(n for name, n in self.calls.items() if name not in ("ping", "close"))

    def reset(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self.calls.clear()
