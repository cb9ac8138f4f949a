"""Webhooks: a receiver that fails twice then succeeds gets every event once, signed, in order."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from subplane.domain import events
from subplane.services.webhooks import SIGNATURE_HEADER, verify

from .helpers import cancel_production, outbox_rows
from .receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver(failures=2)
    yield server
    server.close()


def dispatch_until(app, done, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        app.outbox_dispatcher.run_once()
        time.sleep(0.02)


def test_failing_twice_then_succeeding_delivers_each_event_once_in_order(make_app, receiver):
    from subplane import demo

    app = make_app(webhook_retry_seconds=0.05)
    demo.seed(app)
    endpoint = app.webhooks.add(url=receiver.url, secret="s3cret-for-tests")
    sub_id = cancel_production(app)
    app.clock_control.advance(timedelta(days=91))
    expected = [row for row in outbox_rows(app) if row[4] == sub_id and row[1] != events.SUBSCRIPTION_CREATED]
    assert [r[1] for r in expected][0] == events.SUBSCRIPTION_CANCELLED and len(expected) >= 4

    def own(attempts):  # other subscriptions (e.g. a trial whose credit expires) have their own order
        return [a for a in attempts if a["event"]["subject"].endswith(sub_id)]

    dispatch_until(app, lambda: len(own(receiver.accepted())) >= len(expected))

    accepted = own(receiver.accepted())
    assert [a["event"]["type"] for a in accepted] == [r[1] for r in expected]  # in order
    assert len({a["event"]["id"] for a in accepted}) == len(accepted)  # each delivered once
    first_id = accepted[0]["event"]["id"]
    attempts = own(receiver.received)
    assert [r["event"]["id"] for r in attempts[:3]] == [first_id] * 3  # retried while later events waited
    assert [r["status"] for r in attempts] == [500, 500, 200] * len(expected)
    for attempt in receiver.received:
        assert verify("s3cret-for-tests", attempt["headers"][SIGNATURE_HEADER], attempt["body"])
        assert not verify("wrong-secret", attempt["headers"][SIGNATURE_HEADER], attempt["body"])
    envelope = accepted[0]["event"]
    assert set(envelope) == {"id", "type", "subject", "time", "data"}
    assert envelope["subject"].endswith(sub_id) and envelope["data"]["deletionDate"]

    history = {d["event_id"]: d for d in app.webhooks.deliveries(endpoint_id=endpoint["id"])}
    assert history[first_id]["attempts"] == 3 and history[first_id]["status"] == "delivered"
    assert history[first_id]["failures"] == 2
    assert history[first_id]["last_status_code"] == 200
    assert all(d["status"] == "delivered" for d in history.values())

    app.outbox_dispatcher.run_once()
    time.sleep(0.2)
    app.outbox_dispatcher.run_once()
    assert len(own(receiver.accepted())) == len(accepted)  # nothing is sent again


def test_order_is_kept_per_subscription_not_globally(make_app):
    """A failing subscription's events wait; another subscription's events still flow."""
    from subplane import demo
    from subplane.domain.access import OPERATOR

    stubborn = Receiver(failures=1)
    try:
        app = make_app(webhook_retry_seconds=30)  # the first failure waits long: only other keys may pass
        demo.seed(app)
        app.webhooks.add(url=stubborn.url)
        first = cancel_production(app)
        second = app.subscriptions.cancel(actor=OPERATOR, ref="Proefversie", reason="x",
                                          turn_off_resources=True).subscription.subscription_id
        app.outbox_dispatcher.run_once()
        subjects = [r["event"]["subject"] for r in stubborn.received]
        assert subjects[0].endswith(first) and stubborn.received[0]["status"] == 500
        assert [s for s in subjects[1:]] and all(s.endswith(second) for s in subjects[1:])
    finally:
        stubborn.close()


def test_invalid_url_is_refused(app):
    from subplane.domain.errors import InvalidInput

    with pytest.raises(InvalidInput):
        app.webhooks.add(url="ftp://example.invalid/hook")
