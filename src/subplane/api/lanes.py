"""Lanes: a few threads for one kind of a request's blocking work, instead of anyio's shared forty.

Under the GIL, threads buy no parallel CPU, and a request's database work on SQLite is nearly all CPU. Forty
threads taking turns every switch interval (5 ms) starve the event loop and each other: on the point read,
two threads instead of forty cut the server's CPU per request from 2.1-2.4 ms to 1.2-1.35 ms and its p99 by
half (docs/architecture.md, "Lanes"). Reads and writes get a lane each, so a write that waits for the
database's lock never holds a thread a read needs.

A lane is a ``ThreadPoolExecutor`` reached with the loop's ``run_in_executor``: anyio's ``to_thread.run_sync``
did the same hop with an async-library lookup and its capacity limiter around it, a sixth of the event loop's
share of a point read. The lane still admits no more work than it has threads (an ``asyncio.Semaphore``):
with the executor's queue open to every waiting request, its threads went from one request's work straight
to the next while the event loop, which writes the answers, waited for the GIL (throughput up a sixth, the
p99 up by half). Admitted as threads come free, the point read's p99 under wrk went from 85-89 ms to 66-82 ms.
The work runs in a copy of the caller's context, as anyio ran it, so the log's correlation id,
principal and subscription reach it. A caller cancelled while it waits for its turn runs nothing; one
cancelled after its turn stops waiting, and its work runs to its end in its thread (its unit of work commits
or rolls back there) and keeps its place in the lane until then, as anyio's shielded wait did.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar, TypeVarTuple, Unpack

T = TypeVar("T")
Args = TypeVarTuple("Args")


class Lane:
    def __init__(self, name: str, threads: int, pool: ThreadPoolExecutor | None = None) -> None:
        """``pool``: the threads (default: a pool of ``threads``); a test passes one that counts its work."""
        if threads < 1:
            raise ValueError(f"lane {name} needs at least one thread, not {threads}")
        self.name, self.threads = name, threads
        self._pool = pool or ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"lane-{name}")
        # a semaphore belongs to the loop it first waited in: one per serving loop
        self._admitted: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = \
            weakref.WeakKeyDictionary()

    async def run(self, work: Callable[[Unpack[Args]], T], *args: *Args) -> T:
        loop = asyncio.get_running_loop()
        admitted = self._admitted.get(loop)
        if admitted is None:
            admitted = self._admitted[loop] = asyncio.Semaphore(self.threads)
        call = functools.partial(contextvars.copy_context().run, work, *args)
        await admitted.acquire()
        try:
            done = loop.run_in_executor(self._pool, call)
        except BaseException:
            admitted.release()
            raise
        done.add_done_callback(functools.partial(_finished, admitted))
        # shielded: a cancelled caller stops waiting, but the lane's place is given up when the work ends
        return await asyncio.shield(done)


def _finished(admitted: asyncio.Semaphore, done: asyncio.Future) -> None:
    admitted.release()
    if not done.cancelled():
        done.exception()  # retrieved: a caller that stopped waiting leaves no "never retrieved" warning
