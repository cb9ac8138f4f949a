"""The last requests every process on the database served, each with the serving instance's name: written
by the request middleware, read by /_subplane/requests and the portal's emulator page (each through the
App, none through another edge).

A request only queues its entry in memory; a writer thread of this process stores what is queued, one
``INSERT`` per batch, so no request waits for the database (on SQLite a write waits for every other
writer, e.g. a long clock advance). The writer lets a batch gather for ``linger_seconds`` (or until
``batch_size`` entries wait): under load one transaction stores dozens of requests instead of one each, which
took a fifth of the server's time (issue 14). Reading stores this process's queue first, so a process always
sees its own requests; another process sees them once the writer has run, within ``linger_seconds``. What
is still queued when a process is killed is lost, as a log may be. The table is kept to the newest
``request_log_size`` rows by a delete after every ``prune_every`` stored rows, so between two prunes it may
hold up to ``prune_every`` rows more per process; readers never get more than the newest
``request_log_size``.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from ..adapters.db.coordination_repo import RequestLogRepo
from .unit_of_work import UnitOfWork, UowFactory

log = logging.getLogger("subplane.request_log")
PRUNE_EVERY = 100
LINGER_SECONDS = 0.02  # how long the writer lets a batch gather before storing it
BATCH_SIZE = 256  # ... unless this many entries wait already
# the entry's keys as /_subplane/requests shows them -> request_log's columns
COLUMNS = {"time": "at", "method": "method", "path": "path", "route": "route", "status": "status",
           "principal": "principal", "durationMs": "duration_ms", "correlationId": "correlation_id",
           "subscription": "subscription_id", "instance": "instance"}


class RequestLog:
    def __init__(self, uow: UowFactory, *, size: int, instance: str, prune_every: int = PRUNE_EVERY,
                 linger_seconds: float = LINGER_SECONDS, batch_size: int = BATCH_SIZE) -> None:
        self.uow = uow
        self.linger_seconds = max(linger_seconds, 0.0)
        self.instance = instance
        self.size = max(size, 1)
        self.batch_size = min(max(batch_size, 1), self.size)  # the queue never holds more than ``size``
        self.prune_every = max(prune_every, 1)
        self._queued: deque[dict[str, Any]] = deque(maxlen=self.size)  # bounded: a database that is down costs no memory
        self._stored_since_prune = 0
        self._store_lock = threading.Lock()
        self._wake = threading.Event()  # something is queued
        self._full = threading.Event()  # a whole batch is queued: store it without lingering
        self._closed = False
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()

    def add(self, entry: dict[str, Any]) -> None:
        """Queue one request (``entry`` as /_subplane/requests shows it, ``time`` an aware datetime)."""
        row = {column: entry.get(key) for key, column in COLUMNS.items()}
        row["instance"] = self.instance
        self._queued.append(row)
        self._ensure_writer()
        if len(self._queued) >= self.batch_size:
            self._full.set()
        if not self._wake.is_set():  # setting a set event still takes its lock: skip it while a batch gathers
            self._wake.set()

    def newest_first(self, limit: int | None = None) -> list[dict[str, Any]]:
        self.store_queued()
        count = min(limit, self.size) if limit and limit > 0 else self.size
        with self.uow(read_only=True) as uow:
            rows = RequestLogRepo(uow.conn).newest(count)
        return [_entry(row) for row in rows]

    def clear(self, uow: UnitOfWork) -> None:
        """Forget every request, in ``uow`` (the reset's transaction), and what this process still had queued."""
        self._queued.clear()  # not under the store lock: a writer holding it may wait for this very transaction
        RequestLogRepo(uow.conn).clear()

    def store_queued(self) -> None:
        """Store what this process has queued (one transaction); a failure is logged and the batch dropped:
        the requests it describes have been answered."""
        with self._store_lock:
            batch = [self._queued.popleft() for _ in range(len(self._queued))]
            if not batch:
                return
            try:
                with self.uow() as uow:
                    repo = RequestLogRepo(uow.conn)
                    repo.add_many(batch)
                    self._stored_since_prune += len(batch)
                    if self._stored_since_prune >= self.prune_every:
                        repo.keep_newest(self.size)
                        self._stored_since_prune = 0
            except SQLAlchemyError:
                log.warning("%d requests not recorded in the request log", len(batch), exc_info=True)

    def close(self) -> None:
        """Stop the writer after it has stored what is queued."""
        self._closed = True
        self._full.set()
        self._wake.set()
        if self._writer is not None:
            self._writer.join(timeout=10)
        self.store_queued()

    def _ensure_writer(self) -> None:
        if self._writer is not None or self._closed:
            return
        with self._writer_lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_until_closed, name="request-log", daemon=True)
                self._writer.start()

    def _write_until_closed(self) -> None:
        while not self._closed:
            self._wake.wait()
            self._full.wait(self.linger_seconds)  # let the batch gather
            self._wake.clear()
            self._full.clear()
            self.store_queued()


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    entry = {key: row[column] for key, column in COLUMNS.items()}
    entry["time"] = entry["time"].isoformat(timespec="milliseconds")
    return entry
