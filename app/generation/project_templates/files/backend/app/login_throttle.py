"""Sign-in throttling: after a few failed attempts for one e-mail from one address, wait before trying again.

In process and in memory: enough for one API process, and nothing to run beside it. Behind several processes each
counts on its own, so the real limit is that many times larger.
"""

import math
import threading
import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


class LoginThrottle:
    def __init__(self, max_failures: int = MAX_FAILURES, window_seconds: float = WINDOW_SECONDS) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.clock: Callable[[], float] = time.monotonic
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, email: str, address: str) -> int:
        """Seconds to wait before this e-mail may try again from this address; 0 when it may try now."""
        with self._lock:
            failures = self._recent(email, address)
            if not failures:
                del self._failures[(email, address)]  # forget who stopped failing: the table stays small
            if len(failures) < self.max_failures:
                return 0
            return max(1, math.ceil(failures[0] + self.window_seconds - self.clock()))

    def failed(self, email: str, address: str) -> None:
        with self._lock:
            self._recent(email, address).append(self.clock())

    def succeeded(self, email: str, address: str) -> None:
        with self._lock:
            self._failures.pop((email, address), None)

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()

    def _recent(self, email: str, address: str) -> deque[float]:
        failures = self._failures.setdefault((email, address), deque())
        while failures and failures[0] <= self.clock() - self.window_seconds:
            failures.popleft()
        return failures


login_throttle = LoginThrottle()
