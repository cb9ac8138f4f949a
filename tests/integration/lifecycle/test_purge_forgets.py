"""After a purge, a marker put in every name, tag and text of a subscription is found only in the rows
docs/data-retention.md keeps: the issued invoices (the name they print, the resources they bill).

Checked three ways: every row of every table; on SQLite the raw database file and its WAL; on
PostgreSQL the output of ``pg_dump`` for the test's schema.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from subplane import demo
from subplane.adapters import db as db_package
from subplane.adapters.db.tables import metadata
from subplane.domain.access import OPERATOR
from subplane.domain.errors import NotFound
from subplane.domain.forgetting import deleted_display_name
from subplane.domain.resources import VmAction
from subplane.services.aliases import AliasRequest

from ...conftest import POSTGRES_URL

MARKER = "mrk7f3a9q"  # lower case: storage account and container names allow nothing else
KEPT = {("billing_invoices", "subscription_name"), ("billing_invoice_lines", "resource_id")}


def _marked_subscription(app) -> str:
    """An alias, a subscription, a group, a VM with NIC and IP, storage with a container and a blob,
    tags, a rename, power changes and a refusal, every one carrying the marker; and a webhook endpoint
    (the operator's, without it), so every event also becomes a delivery."""
    account = app.subscriptions.get(actor=OPERATOR, ref="Productie").billing_account_id
    state, _ = app.management.aliases.create(actor=OPERATOR, request=AliasRequest(
        name=f"alias-{MARKER}", display_name=f"Project {MARKER}", billing_scope=f"/billingAccounts/{account}",
        tags={"team": MARKER}))
    sub = state.alias.subscription_id
    app.webhooks.add(url="http://127.0.0.1:9/hook", description="an operator endpoint: deliveries name events")
    app.resources.create_group(actor=OPERATOR, subscription=sub, name=f"rg-{MARKER}", location="westeurope",
                               tags={"owner": MARKER})
    vm = app.resources.create_vm(actor=OPERATOR, subscription=sub, group=f"rg-{MARKER}", name=f"vm-{MARKER}")
    storage = app.resources.create_storage_account(actor=OPERATOR, subscription=sub, group=f"rg-{MARKER}",
                                                   name=f"st{MARKER}", tags={"purpose": MARKER})
    app.blobs.create_container(actor=OPERATOR, account=storage.resource_id, name=f"c-{MARKER}")
    app.blobs.put(actor=OPERATOR, account=storage.resource_id, container=f"c-{MARKER}", name=f"notes-{MARKER}.txt",
                  data=f"the bytes of {MARKER}".encode())
    with pytest.raises(NotFound):  # a refusal is logged with the name it was asked for
        app.blobs.delete(actor=OPERATOR, account=storage.resource_id, container=f"c-{MARKER}",
                         name=f"missing-{MARKER}.txt")
    app.resources.vm_action(actor=OPERATOR, vm=vm.resource_id, action=VmAction.DEALLOCATE)
    app.resources.vm_action(actor=OPERATOR, vm=vm.resource_id, action=VmAction.START)
    app.subscriptions.rename(actor=OPERATOR, ref=sub, new_name=f"Renamed {MARKER}")
    return sub


def _rows_with_marker(app) -> dict[tuple[str, str], list[str]]:
    """(table, column) -> the values holding the marker, over every row of every table."""
    for module in pkgutil.iter_modules(db_package.__path__):
        if module.name.endswith("_tables"):
            importlib.import_module(f"{db_package.__name__}.{module.name}")
    found: dict[tuple[str, str], list[str]] = {}
    with app.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    if MARKER in str(value).lower():
                        found.setdefault((table.name, column), []).append(str(value))
    return found


def _outside(kept_values: set[str], stored: bytes) -> int:
    """How often the marker occurs in ``stored`` outside a copy of a kept value (a page can be on disk
    twice, in the database file and in the WAL, so copies of kept rows are not counted)."""
    for value in sorted(kept_values, key=len, reverse=True):
        stored = stored.replace(value.encode(), b"")
    return stored.lower().count(MARKER.encode())


def _sqlite_files(app) -> bytes:
    path = Path(app.engine.url.database)
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def _stored(app, database) -> list[bytes]:
    """What the database keeps outside its rows: the SQLite file and WAL while the server runs (what a
    crash would leave) and after it stopped; or a pg_dump of the test's schema."""
    if database.backend == "sqlite":
        running = _sqlite_files(app)
        app.close()
        return [running, _sqlite_files(app)]
    url = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    return [subprocess.run(["pg_dump", f"--schema={database.schema}", "--data-only", url],
                           check=True, capture_output=True).stdout]


def _files_outside_the_database(app) -> list[str]:
    root = app.settings.data_dir
    return [str(p) for p in root.rglob("*")
            if p.is_file() and not p.name.startswith("subplane.db") and MARKER.encode() in p.read_bytes().lower()]


@pytest.mark.parametrize("ending", ["retention_expires", "owner_deletes_before_the_final_invoice"])
def test_after_a_purge_the_marker_is_only_in_the_kept_invoices(make_app, database, ending):
    app = make_app(mode="emulator")
    demo.seed(app)
    sub = _marked_subscription(app)
    app.clock_control.advance(timedelta(days=32))  # one billing period ends: an invoice is issued
    app.outbox_dispatcher.run_once()
    app.subscriptions.cancel(actor=OPERATOR, ref=sub, reason=f"moving {MARKER} elsewhere", turn_off_resources=True)
    app.outbox_dispatcher.run_once()  # the cancellation message names the subscription
    assert any(MARKER in n["subject"].lower() for n in app.notifications.list(subscription_id=sub))
    before = _rows_with_marker(app)
    assert {("subscription_aliases", "name"), ("activity", "target"), ("activity", "details"), ("outbox", "data"),
            ("outbox", "subject"), ("notifications", "subject"), ("notifications", "body"), ("billing_spans", "resource_id"),
            ("subscriptions", "display_name"), ("subscriptions", "cancellation_reason")} <= set(before)

    if ending == "retention_expires":
        app.clock_control.advance(timedelta(days=91))
    else:
        for group in app.management.list_groups(actor=OPERATOR, subscription=sub):
            app.management.delete_group(actor=OPERATOR, subscription=sub, name=group.name)
        app.clock_control.advance(timedelta(minutes=20))
        app.subscriptions.delete(actor=OPERATOR, ref=sub, confirm_name=f"Renamed {MARKER}")
        waiting = _rows_with_marker(app)  # the final invoice still needs the name and the usage
        assert {("subscriptions", "display_name"), ("billing_spans", "resource_id")} <= set(waiting)
        assert ("activity", "target") not in waiting and ("subscription_aliases", "name") not in waiting
        app.clock_control.advance(timedelta(days=40))
    app.outbox_dispatcher.run_once()

    record = app.subscriptions.get(actor=OPERATOR, ref=sub)
    assert record.state.value == "Deleted" and record.display_name == deleted_display_name(sub)
    invoices = app.billing.list_invoices(actor=OPERATOR, subscription=sub)
    assert len(invoices) == 2  # the first period's and the final one, both as printed
    assert all(i.subscription_name == f"Renamed {MARKER}" for i in invoices)
    assert app.billing.invoice_pdf(actor=OPERATOR, ref=invoices[-1].invoice_number).startswith(b"%PDF")
    after = _rows_with_marker(app)
    assert set(after) == KEPT
    assert _files_outside_the_database(app) == []
    kept_values = {value for values in after.values() for value in values}
    for stored in _stored(app, database):
        assert MARKER.encode() in stored.lower()  # the kept invoices: these are the right bytes
        assert _outside(kept_values, stored) == 0


def test_a_free_trial_purged_the_day_before_its_final_invoice_keeps_its_name_and_usage_until_then(make_app):
    app = make_app(mode="emulator")
    with app.uow() as uow:
        app.clock.set(uow.conn, datetime(2030, 1, 1, tzinfo=UTC))  # a 31-day first billing period
    demo.seed(app)
    account = app.subscriptions.get(actor=OPERATOR, ref="Productie").billing_account_id
    sub = app.subscriptions.create(actor=OPERATOR, display_name=f"Trial {MARKER}", billing_account_id=account,
                                   offer_id="MS-AZR-0044P").subscription_id
    app.resources.create_group(actor=OPERATOR, subscription=sub, name=f"rg-{MARKER}", location="westeurope")
    app.resources.create_vm(actor=OPERATOR, subscription=sub, group=f"rg-{MARKER}", name=f"vm-{MARKER}")
    app.clock_control.advance(timedelta(hours=5))
    app.subscriptions.cancel(actor=OPERATOR, ref=sub, reason=f"tried {MARKER}", turn_off_resources=True)

    app.clock_control.advance(timedelta(days=30))  # 30 days' retention end on 31 January; the period on 1 February
    record = app.subscriptions.get(actor=OPERATOR, ref=sub)
    assert (record.state.value, record.display_name) == ("Deleted", f"Trial {MARKER}")
    assert app.billing.list_invoices(actor=OPERATOR, subscription=sub) == []
    assert set(_rows_with_marker(app)) == {("subscriptions", "display_name"), ("billing_spans", "resource_id")}

    app.clock_control.advance(timedelta(days=2))
    invoice, = app.billing.list_invoices(actor=OPERATOR, subscription=sub)
    assert invoice.subscription_name == f"Trial {MARKER}" and invoice.subtotal > 0
    assert app.subscriptions.get(actor=OPERATOR, ref=sub).display_name == deleted_display_name(sub)
    assert set(_rows_with_marker(app)) == KEPT
