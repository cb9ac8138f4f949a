"""Retention expiry of 2,000 cancelled subscriptions: the cost of one purge, and whether it grows with N.

Each subscription gets a resource group, a VM (with its NIC and public IP), a storage account with a
container and a blob, rendered notifications and a 90-day retention; all are cancelled at one instant.
The clock is advanced to one second before their deletion date (invoices, reminders), then across it:
that step runs one ``retention_expiry`` job (the purging transaction) and one ``purge_files`` job per
subscription, and is what is timed.

    python benchmarks/purge_2k.py [--subscriptions 2000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from rich.console import Console

from subplane import demo, settings
from subplane.bootstrap import build_app
from subplane.domain.access import OPERATOR

console = Console()


def seed(app, count: int) -> list[str]:
    account = app.subscriptions.get(actor=OPERATOR, ref="Ontwikkeling").billing_account_id
    ids = []
    for n in range(count):
        sub = app.subscriptions.create(actor=OPERATOR, display_name=f"bench-{n}", billing_account_id=account,
                                       offer_id="MS-AZR-0003P")
        ids.append(sub.subscription_id)
        app.resources.create_group(actor=OPERATOR, subscription=sub.subscription_id, name=f"rg-{n}",
                                   location="westeurope", tags={"owner": f"team-{n}"})
        app.resources.create_vm(actor=OPERATOR, subscription=sub.subscription_id, group=f"rg-{n}", name=f"vm-{n}",
                                size="Standard_B2s")
        storage = app.resources.create_storage_account(actor=OPERATOR, subscription=sub.subscription_id,
                                                       group=f"rg-{n}", name=f"st{n:08d}bench")
        app.blobs.create_container(actor=OPERATOR, account=storage.resource_id, name="data")
        app.blobs.put(actor=OPERATOR, account=storage.resource_id, container="data", name=f"file-{n}.txt",
                      data=b"x" * 64)
    for sub_id in ids:
        app.subscriptions.cancel(actor=OPERATOR, ref=sub_id, reason="benchmark", turn_off_resources=True)
    app.outbox_dispatcher.run_once()
    return ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=2000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = settings.load(env={}, data_dir=Path(folder), database_url=args.database_url, mode="emulator")
        app = build_app(config)
        demo.seed(app)
        started = time.perf_counter()
        ids = seed(app, args.subscriptions)
        console.print(f"seeded {len(ids)} subscriptions in {time.perf_counter() - started:.1f} s")
        deletion = app.subscriptions.get(actor=OPERATOR, ref=ids[-1]).deletion_date
        app.clock_control.advance(deletion - timedelta(seconds=1) - app.clock_control.now())
        started = time.perf_counter()
        app.clock_control.advance(timedelta(seconds=2))
        elapsed = time.perf_counter() - started
        deleted = sum(app.subscriptions.get(actor=OPERATOR, ref=i).state.value == "Deleted" for i in ids)
        assert deleted == len(ids), f"only {deleted} of {len(ids)} purged"
        console.print(f"purged {deleted} subscriptions in {elapsed:.2f} s: {elapsed / deleted * 1000:.2f} ms each")
        app.close()


if __name__ == "__main__":
    main()
