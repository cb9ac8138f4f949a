"""Lanes: a few threads for one kind of a request's blocking work, instead of anyio's shared forty.

Under the GIL, threads buy no parallel CPU, and a request's database work on SQLite is nearly all CPU. Forty
threads taking turns every switch interval (5 ms) starve the event loop and each other: on the point read,
two threads instead of forty cut the server's CPU per request from 2.1-2.4 ms to 1.2-1.35 ms and its p99 by
half (docs/architecture.md, "Lanes"). Reads and writes get a lane each, so a write that waits for the
database's lock never holds a thread a read needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, TypeVarTuple, Unpack

import anyio
import anyio.to_thread

T = TypeVar("T")
Args = TypeVarTuple("Args")


class Lane:
    def __init__(self, name: str, threads: int) -> None:
        if threads < 1:
            raise ValueError(f"lane {name} needs at least one thread, not {threads}")
        self.name, self.threads = name, threads
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, work: Callable[[Unpack[Args]], T], *args: *Args) -> T:
        if self._limiter is None:  # made on first use: inside the event loop that serves
            self._limiter = anyio.CapacityLimiter(self.threads)
        return await anyio.to_thread.run_sync(work, *args, limiter=self._limiter)
