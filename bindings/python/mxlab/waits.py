"""Deadline-bounded waiting for conditions nothing notifies us about (a port opening, a process
exiting, a queue draining over HTTP). C++-side events use their own blocking waits instead.
"""
from __future__ import annotations

import time
from typing import Callable, TypeVar

from ._core import WaitTimeout

T = TypeVar("T")

POLL_INTERVAL = 0.02  # seconds between checks; short enough to keep tests fast


def wait_until(check: Callable[[], T], timeout: float, what: str) -> T:
    """Returns the first truthy value of ``check()``; raises WaitTimeout naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"waited {timeout}s for {what}")
        time.sleep(POLL_INTERVAL)
