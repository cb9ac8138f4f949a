"""What a principal may do at a subscription, kept per process while the database's access token stays the same.

The token (``access_version``, migration access_0001) gets a new random value from database triggers whenever a
table the access rules read changes, whoever writes it, so a role removed through any process, a snapshot import,
a reset or raw SQL is seen by every process on its next request. Readers read the token before what it guards,
in the same transaction, so an entry is never older than its token. Bounded: the least recently used entry goes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

SIZE = 4096


class StandingCache:
    def __init__(self, size: int = SIZE) -> None:
        self.size = max(size, 1)
        self._entries: OrderedDict[tuple[Any, ...], tuple[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], token: str) -> Any | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or found[0] != token:
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: tuple[Any, ...], token: str, value: Any) -> None:
        with self._lock:
            self._entries[key] = (token, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
