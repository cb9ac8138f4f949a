"""The ARM throttle across processes: two apps on one database (each its own data directory, as two
`serve` processes on two hosts) share one bucket on PostgreSQL; SQLite keeps one per process."""

from __future__ import annotations

import threading

import pytest

from subplane import demo
from subplane.domain.throttle import parse_spec
from subplane.services.throttle import LocalBuckets, SharedBuckets

from .conftest import Arm

READS = "reads=5:0.001"


@pytest.fixture
def two_arms(make_app, tmp_path) -> tuple[Arm, Arm]:
    apps = [make_app(data_dir=tmp_path / name, arm_throttle=READS) for name in ("a", "b")]
    for app in apps:
        demo.seed(app)
    return Arm(apps[0]), Arm(apps[1])


def _reads_alternating(a: Arm, b: Arm, count: int) -> list:
    sub = a.subscription_id("Productie")
    return [(a, b)[i % 2].call("GET", f"/subscriptions/{sub}") for i in range(count)]


def test_two_processes_share_one_bucket_on_postgres_and_keep_one_each_on_sqlite(two_arms, database):
    """PostgreSQL: the bucket size holds across processes. SQLite (one serve per database file): each
    process keeps its own bucket, so two in-process apps allow twice the size between them."""
    if database.backend == "sqlite":
        answers = _reads_alternating(*two_arms, 12)
        assert [a.status_code for a in answers] == [200] * 10 + [429, 429]
        return
    answers = _reads_alternating(*two_arms, 7)
    assert [a.status_code for a in answers] == [200] * 5 + [429, 429]
    remaining = [a.headers["x-ms-ratelimit-remaining-subscription-reads"] for a in answers[:5]]
    assert remaining == ["4", "3", "2", "1", "0"]  # one counter, counting down across A and B
    assert answers[5].json()["error"]["code"] == "TooManyRequests" and int(answers[5].headers["Retry-After"]) >= 1


def test_concurrent_takes_never_let_more_through_than_the_size(make_app, tmp_path):
    """Sixteen threads on two apps (both with shared buckets, on either backend) race for five tokens."""
    limits = parse_spec(READS)
    buckets = [SharedBuckets(make_app(data_dir=tmp_path / name).uow, limits, wall_clock=lambda: 1_000.0)
               for name in ("a", "b")]
    outcomes, start = [], threading.Barrier(16)

    def take(bucket):
        start.wait()
        for _ in range(3):
            outcomes.append(bucket.take("principal", "sub", "reads"))

    threads = [threading.Thread(target=take, args=(buckets[i % 2],)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    granted = sorted(t.remaining for t in outcomes if t.allowed)
    assert len(outcomes) == 48 and granted == [0, 1, 2, 3, 4]


class WallClock:
    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


@pytest.mark.parametrize("kind", ["shared", "local"])
def test_a_bucket_refills_with_wall_clock_time_and_a_refusal_takes_nothing(make_app, kind):
    clock = WallClock(1_000.0)
    limits = parse_spec("reads=2:0.5")
    bucket = SharedBuckets(make_app().uow, limits, wall_clock=clock) if kind == "shared" else LocalBuckets(limits, clock)
    assert [bucket.take("p", "s", "reads").remaining for _ in range(2)] == [1, 0]
    refused = bucket.take("p", "s", "reads")
    assert not refused.allowed and refused.retry_after == 2  # one token at 0.5/s
    clock.at += 1.0  # half a token: the refusals before took none of it
    assert bucket.take("p", "s", "reads").retry_after == 1
    clock.at += 1.0
    assert bucket.take("p", "s", "reads").allowed
    clock.at += 100.0  # refills up to the size, never beyond
    assert [bucket.take("p", "s", "reads").allowed for _ in range(3)] == [True, True, False]
    assert bucket.take("p", "s", "writes").remaining == 199  # kinds have their own buckets


def test_a_clock_that_steps_back_adds_no_tokens(make_app):
    clock = WallClock(1_000.0)
    bucket = SharedBuckets(make_app().uow, parse_spec("reads=1:1"), wall_clock=clock)
    assert bucket.take("p", "s", "reads").allowed
    clock.at -= 50.0  # another host whose clock lags
    assert not bucket.take("p", "s", "reads").allowed
    clock.at = 1_000.5
    assert not bucket.take("p", "s", "reads").allowed  # the bucket's time never moved back
    clock.at = 1_001.0
    assert bucket.take("p", "s", "reads").allowed
