"""SQLite's writers of one process queue at the write gate, ahead of SQLite's own lock (issue 14): a unit of work
that writes holds the gate from before its BEGIN until its connection is back in the pool, whatever its outcome;
one that only reads never touches it; PostgreSQL's engines have no gate."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from subplane.adapters.db.engine import WriteGate, make_engine, write_gate_for
from subplane.clock import SystemClock
from subplane.services.unit_of_work import UnitOfWork


class RecordingGate(WriteGate):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def enter(self) -> bool:
        self.events.append("enter")
        return super().enter()

    def leave(self) -> None:
        self.events.append("leave")
        super().leave()


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    yield engine
    engine.dispose()


def test_a_write_holds_the_gate_for_its_whole_transaction(engine):
    gate = RecordingGate()
    with UnitOfWork(engine, SystemClock(), write_gate=gate) as uow:
        assert gate.events == ["enter"] and uow.conn.in_transaction()
        uow.conn.execute(text("CREATE TABLE t (x INTEGER)"))
    assert gate.events == ["enter", "leave"]
    assert gate.enter()  # free again: another thread would get it too
    gate.leave()


def test_a_failed_write_leaves_the_gate_too(engine):
    gate = RecordingGate()
    with pytest.raises(ZeroDivisionError), UnitOfWork(engine, SystemClock(), write_gate=gate):
        1 / 0  # noqa: B018
    assert gate.events == ["enter", "leave"]


def test_a_read_never_waits_at_the_gate(engine):
    gate = RecordingGate()
    with UnitOfWork(engine, SystemClock(), read_only=True, write_gate=gate):
        pass
    assert gate.events == []


def test_a_second_writer_waits_until_the_first_has_committed(engine, tmp_path):
    # the second writes another database file: only the shared gate, not SQLite's lock, can hold it back
    gate = WriteGate()
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    order: list[str] = []
    first_in = threading.Event()
    for each in (engine, other):
        with each.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))

    def second() -> None:
        first_in.wait()
        with UnitOfWork(other, SystemClock(), write_gate=gate) as uow:
            order.append("second begins")
            uow.conn.execute(text("INSERT INTO t VALUES (2)"))

    worker = threading.Thread(target=second)
    worker.start()
    with UnitOfWork(engine, SystemClock(), write_gate=gate) as uow:
        first_in.set()
        uow.conn.execute(text("INSERT INTO t VALUES (1)"))
        order.append("first commits")
    worker.join()
    other.dispose()
    assert order == ["first commits", "second begins"]


def test_a_gate_that_waited_too_long_lets_the_writer_go_on_to_sqlites_lock(engine):
    gate = WriteGate(wait_seconds=0)
    taken = threading.Event()
    release = threading.Event()

    def holder() -> None:
        gate.enter()
        taken.set()
        release.wait()
        gate.leave()

    thread = threading.Thread(target=holder)
    thread.start()
    taken.wait()
    try:
        with UnitOfWork(engine, SystemClock(), write_gate=gate) as uow:  # not gated, but it runs
            uow.conn.execute(text("CREATE TABLE u (x INTEGER)"))
    finally:
        release.set()
        thread.join()


def test_only_sqlite_engines_get_a_gate(engine):
    assert isinstance(write_gate_for(engine), WriteGate)
    assert write_gate_for(make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")) is None


def _another_writer_gets_in(gate: WriteGate) -> bool:
    got: list[bool] = []

    def run() -> None:
        got.append(gate.enter())
        if got[-1]:
            gate.leave()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return got[0]


def test_a_write_may_leave_from_another_thread_than_it_entered_on(engine):
    gate = WriteGate(wait_seconds=1)
    uow = UnitOfWork(engine, SystemClock(), write_gate=gate)
    uow.__enter__()
    failures: list[BaseException] = []

    def leave_elsewhere() -> None:
        try:
            uow.__exit__(None, None, None)
        except BaseException as error:  # noqa: BLE001 - recorded for the assertion
            failures.append(error)

    thread = threading.Thread(target=leave_elsewhere)
    thread.start()
    thread.join()
    assert failures == []
    assert _another_writer_gets_in(gate)


def test_a_connection_that_fails_to_close_still_leaves_the_gate(engine, monkeypatch):
    gate = WriteGate(wait_seconds=1)
    with pytest.raises(RuntimeError), UnitOfWork(engine, SystemClock(), write_gate=gate) as uow:
        close = uow.conn.close

        def failing_close() -> None:
            close()
            raise RuntimeError("close failed")

        monkeypatch.setattr(uow.conn, "close", failing_close)
    assert _another_writer_gets_in(gate)

