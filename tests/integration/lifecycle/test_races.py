"""Writes racing a cancel: once the cancel commits, no write of the subscription gets through."""

from __future__ import annotations

import threading

import pytest

from subplane.adapters.db.subscriptions_repo import SubscriptionRepo
from subplane.domain.access import OPERATOR
from subplane.domain.errors import Conflict
from subplane.domain.resources import VmAction

from ..helpers import by_name, storage_account


def _paused_cancel(app, monkeypatch):
    """Start a cancel that has applied its effects but not yet committed; return (thread, release)."""
    paused, release = threading.Event(), threading.Event()
    original = SubscriptionRepo.save

    def slow_save(self, sub):
        original(self, sub)
        if sub.state.value == "Disabled":
            paused.set()
            release.wait(30)

    monkeypatch.setattr(SubscriptionRepo, "save", slow_save)
    thread = threading.Thread(target=lambda: app.subscriptions.cancel(
        actor=OPERATOR, ref="Productie", reason="race", turn_off_resources=True))
    thread.start()
    assert paused.wait(30)
    return thread, release


@pytest.mark.parametrize("write", ["blob", "vm", "ip"])
def test_write_waiting_on_a_cancel_is_refused(demo_app, make_app, monkeypatch, write):
    other = make_app()  # a second process's worth of engine and connections
    account = storage_account(demo_app, "Productie").resource_id
    group = "productie-rg"
    actions = {
        "blob": lambda: other.blobs.put(actor=OPERATOR, account=account, container="backups", name="late", data=b"x"),
        "vm": lambda: other.resources.vm_action(actor=OPERATOR, vm="web-01", action=VmAction.START),
        "ip": lambda: other.resources.create_public_ip(actor=OPERATOR, subscription="Productie", group=group,
                                                       name="late-ip", allocation="Static"),
    }
    if write == "vm":
        demo_app.resources.vm_action(actor=OPERATOR, vm="web-01", action=VmAction.DEALLOCATE)
    thread, release = _paused_cancel(demo_app, monkeypatch)
    outcome: dict = {}

    def attempt():
        try:
            actions[write]()
            outcome["result"] = "written"
        except Conflict as refused:
            outcome["result"] = refused.code

    writer = threading.Thread(target=attempt)
    writer.start()
    writer.join(1.0)  # the write must wait for the cancel's lock, not slip past it
    release.set()
    thread.join(30)
    writer.join(30)
    assert outcome["result"] == "ReadOnlyDisabledSubscription"
    resources = by_name(demo_app, "Productie")
    assert "late-ip" not in resources
    assert resources["web-01"].power_state.value == "deallocated"


def test_concurrent_address_allocation_never_repeats(demo_app, make_app):
    apps = [demo_app, make_app(), make_app()]
    addresses: list[str] = []
    lock = threading.Lock()

    def allocate(app, worker):
        for n in range(8):
            ip = app.resources.create_public_ip(actor=OPERATOR, subscription="Ontwikkeling" if worker else "Productie",
                                                group="dev-rg" if worker else "productie-rg",
                                                name=f"ip-{worker}-{n}", allocation="Static")
            with lock:
                addresses.append(ip.ip_address)

    demo_app.resources.create_group(actor=OPERATOR, subscription="Ontwikkeling", name="dev-rg", location="westeurope")
    threads = [threading.Thread(target=allocate, args=(app, worker)) for worker, app in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(addresses) == 24
    assert len(set(addresses)) == 24
