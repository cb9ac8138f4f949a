"""The transaction boundary. Everything a use case changes, plus its activity and outbox records,
commits together or not at all. ``now`` is read once per unit of work from the clock."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Protocol

from sqlalchemy import Connection, Engine, NestedTransaction

from ..adapters.db.billing_repo import BillingRepo
from ..adapters.db.blobs_repo import BlobRepo
from ..adapters.db.directory_repo import DirectoryRepo
from ..adapters.db.engine import WriteGate
from ..adapters.db.jobs_repo import JobRepo
from ..adapters.db.management_repo import ManagementGroupRepo
from ..adapters.db.records_repo import ActivityRepo, OutboxRepo
from ..adapters.db.resources_repo import ResourceRepo
from ..adapters.db.subscriptions_repo import SubscriptionRepo
from ..clock import Clock
from ..domain.events import DomainEvent
from .access_cache import StandingCache

log = logging.getLogger("subplane.uow")


class UnitOfWork:
    conn: Connection

    def __init__(self, engine: Engine, clock: Clock, *, correlation_id: str | None = None, read_only: bool = False,
                 access_cache: StandingCache | None = None, write_gate: WriteGate | None = None):
        self.engine = engine
        self.clock = clock
        self.read_only = read_only
        # what principals may do, kept across units of work (``services/access.py`` reads it in read-only ones)
        self.access_cache = access_cache
        # a write waits here for the writer before it (SQLite: one writer at a time); reads never do
        self._write_gate = None if read_only else write_gate
        self._gated = False
        self.correlation_id = correlation_id or str(uuid.uuid4())
        self._after_commit: list[Callable[[], None]] = []
        self._after_rollback: list[Callable[[], None]] = []

    def __enter__(self) -> UnitOfWork:
        if self._write_gate is not None and not self._gated:
            self._gated = self._write_gate.enter()
        try:
            connection = self.engine.connect()
            if self.read_only:
                connection = connection.execution_options(read_only=True)
            self.conn = connection
            self._transaction = connection.begin()
        except BaseException:
            self._leave_gate()
            raise
        postgres = self.engine.dialect.name == "postgresql"
        self._now: datetime | None = None
        self.subscriptions = SubscriptionRepo(connection, postgres=postgres)
        self.resources = ResourceRepo(connection)
        self.directory = DirectoryRepo(connection)
        self.activity = ActivityRepo(connection)
        self.outbox = OutboxRepo(connection)
        self.jobs = JobRepo(connection, postgres=postgres)
        self.blobs = BlobRepo(connection)
        self.management_groups = ManagementGroupRepo(connection)
        self.billing = BillingRepo(connection)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        committed = False
        try:
            if exc_type is None:
                self._transaction.commit()
                committed = True
            else:
                self._transaction.rollback()
        finally:
            try:
                self.conn.close()
            finally:
                self._leave_gate()  # committed or rolled back and back in the pool: the next writer may begin
            self._run(self._after_commit if committed else self._after_rollback)

    def _leave_gate(self) -> None:
        if self._gated:
            self._gated = False
            self._write_gate.leave()  # type: ignore[union-attr]

    def _run(self, callbacks: list[Callable[[], None]]) -> None:
        for callback in callbacks:
            try:
                callback()
            except Exception:  # noqa: BLE001 - the outcome stands; a due job finishes what failed here
                log.exception("after-%s step failed (correlation id %s)",
                              "commit" if callbacks is self._after_commit else "rollback", self.correlation_id)

    @property
    def now(self) -> datetime:
        """Read from the clock on first use, i.e. after the use case has taken its locks, so instants
        follow commit order; then fixed for the rest of the unit of work."""
        if self._now is None:
            self._now = self.clock.now(self.conn)
        return self._now

    def savepoint(self) -> NestedTransaction:
        """A savepoint inside this unit of work: rolling it back undoes only what ran since."""
        return self.conn.begin_nested()

    def emit(self, event: DomainEvent) -> None:
        self.outbox.add(event)

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def after_rollback(self, callback: Callable[[], None]) -> None:
        """Undo what cannot join the transaction (an object written before commit) when it rolls back."""
        self._after_rollback.append(callback)


class UowFactory(Protocol):
    """How a service opens its units of work (``App.uow`` in the composition root)."""

    def __call__(self, *, correlation_id: str | None = None, read_only: bool = False) -> UnitOfWork: ...
