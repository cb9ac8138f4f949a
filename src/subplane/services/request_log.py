"""The last N HTTP requests of this process, shared by the request middleware, the admin endpoint
and the portal's emulator page (each reads it through the App, none through another edge)."""

from __future__ import annotations

import threading
from collections import deque


class RequestLog:
    """The last N requests, newest last; shared by the middleware and the admin endpoint."""

    def __init__(self, size: int) -> None:
        self._entries: deque[dict] = deque(maxlen=max(size, 1))
        self._lock = threading.Lock()

    def add(self, entry: dict) -> None:
        with self._lock:
            self._entries.append(entry)

    def newest_first(self, limit: int | None = None) -> list[dict]:
        with self._lock:
            entries = list(reversed(self._entries))
        return entries[:limit] if limit else entries

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
