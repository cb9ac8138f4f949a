"""A lane runs at most its number of threads' worth of work at once, and refuses a lane of no threads."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar

import anyio
import pytest

from subplane.api.lanes import Lane
from subplane.domain.errors import InvalidInput
from subplane.settings import load


def run_in_own_loop(main):
    """``anyio.run`` on a thread of its own: an event loop another test left running on this thread stays apart."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(anyio.run, main).result()


def test_a_lane_runs_no_more_than_its_threads_at_once():
    lane = Lane("test", 2)
    lock = threading.Lock()
    running = {"now": 0, "most": 0}
    gate = threading.Event()

    def work(n: int) -> int:
        with lock:
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
        gate.wait(timeout=5)
        with lock:
            running["now"] -= 1
        return n * 10

    async def main() -> list[int]:
        results: list[int] = []

        async def one(n: int) -> None:
            results.append(await lane.run(work, n))

        async with anyio.create_task_group() as tasks:
            for n in range(6):
                tasks.start_soon(one, n)
            while running["now"] < 2:  # both threads are busy: the other four must be waiting
                await anyio.sleep(0.001)
            await anyio.sleep(0.05)
            assert running["most"] == 2
            gate.set()
        return results

    assert sorted(run_in_own_loop(main)) == [0, 10, 20, 30, 40, 50]
    assert running["most"] == 2


def test_a_lane_passes_on_what_the_work_raises():
    async def main() -> None:
        await Lane("test", 1).run(int, "not a number")

    with pytest.raises(ValueError):
        run_in_own_loop(main)


def test_a_lane_of_no_threads_is_refused(tmp_path):
    with pytest.raises(ValueError):
        Lane("test", 0)
    with pytest.raises(InvalidInput) as refused:
        load(env={"SUBPLANE_DATA_DIR": str(tmp_path), "SUBPLANE_REQUEST_THREADS": "0"})
    assert refused.value.code == "InvalidSetting"
    assert load(env={"SUBPLANE_DATA_DIR": str(tmp_path), "SUBPLANE_REQUEST_THREADS": "4"}).request_threads == 4


def test_the_work_sees_the_callers_context_and_cannot_change_it():
    seen: ContextVar[str | None] = ContextVar("seen", default=None)

    def work() -> str | None:
        before = seen.get()
        seen.set("set by the work")
        return before

    async def main() -> tuple[str | None, str | None]:
        seen.set("the request's correlation id")
        inside = await Lane("test", 1).run(work)
        return inside, seen.get()

    assert run_in_own_loop(main) == ("the request's correlation id", "the request's correlation id")


def test_one_lane_serves_one_event_loop_after_another():
    lane = Lane("test", 1)

    async def main() -> str:
        return await lane.run(threading.current_thread)

    first, second = run_in_own_loop(main), run_in_own_loop(main)
    assert first is second and first.name.startswith("lane-test")


class FirstWork:
    """Work that holds its thread until ``gate`` is set; what ran is appended to ``ran``."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.ran: list[str] = []

    def __call__(self) -> None:
        self.gate.wait(timeout=5)
        self.ran.append("first")


def test_work_waits_outside_the_threads_so_a_caller_cancelled_before_its_turn_runs_nothing():
    lane = Lane("test", 1)
    blocking = FirstWork()
    gate, ran = blocking.gate, blocking.ran

    async def main() -> None:
        first = asyncio.ensure_future(lane.run(blocking))
        await asyncio.sleep(0.01)  # the first holds the one thread
        second = asyncio.ensure_future(lane.run(ran.append, "second"))
        await asyncio.sleep(0.01)
        second.cancel()
        gate.set()
        await first
        with pytest.raises(asyncio.CancelledError):
            await second
        await lane.run(ran.append, "third")  # the lane goes on

    run_in_own_loop(main)
    assert ran == ["first", "third"]


class CountingPool(ThreadPoolExecutor):
    """A pool that knows how much work it holds: submitted and not yet finished."""

    def __init__(self, threads: int) -> None:
        super().__init__(max_workers=threads)
        self.held, self.most = 0, 0
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):
        with self._lock:
            self.held += 1
            self.most = max(self.most, self.held)
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future) -> None:
        with self._lock:
            self.held -= 1


def test_a_caller_cancelled_while_its_work_runs_keeps_the_lane_until_the_work_ends():
    pool = CountingPool(1)
    lane = Lane("test", 1, pool)
    blocking = FirstWork()
    gate, ran = blocking.gate, blocking.ran

    async def main() -> None:
        first = asyncio.ensure_future(lane.run(blocking))
        while pool.held == 0:
            await asyncio.sleep(0.001)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        second = asyncio.ensure_future(lane.run(ran.append, "second"))
        await asyncio.sleep(0.05)
        assert pool.held == 1 and not second.done()  # the second waits at the lane, not in the pool's queue
        gate.set()
        await second

    run_in_own_loop(main)
    assert ran == ["first", "second"] and pool.most == 1
