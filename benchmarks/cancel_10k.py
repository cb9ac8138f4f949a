"""Cancel a subscription holding 10,000 resources: the service vs a raw SQL update vs a naive loop.

All three run in one process, on the same database file, over identical fleets in three subscriptions.
Targets (issue 2): service ≤ 10x the raw update; service ≥ 100x faster than one transaction per resource.

    python benchmarks/cancel_10k.py [--resources 10000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import select, update

from subplane import demo, settings
from subplane.adapters.db.tables import resources, subscriptions
from subplane.bootstrap import build_app
from subplane.domain.access import OPERATOR
from subplane.domain.resources import AllocationMethod, PowerState, Resource, ResourceType, resource_id

console = Console()


def fleet(subscription_id: str, size: int, now) -> list[Resource]:
    items = []
    for n in range(size // 4):
        def rid(kind, name):
            return resource_id(subscription_id, "bench-rg", kind, name)
        common = dict(subscription_id=subscription_id, resource_group="bench-rg", location="westeurope", created_at=now)
        items += [
            Resource(rid(ResourceType.VIRTUAL_MACHINE, f"vm{n}"), type=ResourceType.VIRTUAL_MACHINE, name=f"vm{n}",
                     vm_size="Standard_B2s", power_state=PowerState.RUNNING, **common),
            Resource(rid(ResourceType.NETWORK_INTERFACE, f"nic{n}"), type=ResourceType.NETWORK_INTERFACE,
                     name=f"nic{n}", **common),
            Resource(rid(ResourceType.PUBLIC_IP, f"ip{n}"), type=ResourceType.PUBLIC_IP, name=f"ip{n}", sku="Basic",
                     allocation_method=AllocationMethod.DYNAMIC if n % 2 else AllocationMethod.STATIC,
                     ip_address=f"20.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", **common),
            Resource(rid(ResourceType.STORAGE_ACCOUNT, f"st{n}"), type=ResourceType.STORAGE_ACCOUNT,
                     name=f"st{uuid.uuid4().hex[:12]}", read_only=False, **common),
        ]
    return items


def make_subscription(app, name: str, size: int) -> str:
    account = app.subscriptions.get(actor=OPERATOR, ref="Ontwikkeling").billing_account_id
    sub = app.subscriptions.create(actor=OPERATOR, display_name=name, billing_account_id=account,
                                   offer_id="MS-AZR-0003P")
    with app.uow() as uow:
        uow.resources.add_many(fleet(sub.subscription_id, size, uow.now))
    return sub.subscription_id


def service_cancel(app, sub_id: str) -> None:
    result = app.subscriptions.cancel(actor=OPERATOR, ref=sub_id, reason="benchmark", turn_off_resources=True)
    assert result.changed and result.counts["vmsDeallocated"]


def raw_update(app, sub_id: str) -> None:
    """The floor: the same row changes as three UPDATEs and the state change, one transaction, nothing else."""
    with app.engine.begin() as conn:
        where = resources.c.subscription_id == sub_id
        conn.execute(update(resources).where(where, resources.c.type == ResourceType.VIRTUAL_MACHINE.value)
                     .values(power_state="deallocated"))
        conn.execute(update(resources).where(where, resources.c.type == ResourceType.PUBLIC_IP.value,
                                             resources.c.allocation_method == "Dynamic").values(ip_address=None))
        conn.execute(update(resources).where(where, resources.c.type == ResourceType.STORAGE_ACCOUNT.value)
                     .values(read_only=True))
        conn.execute(update(subscriptions).where(subscriptions.c.subscription_id == sub_id)
                     .values(state="Disabled", state_reason="Cancelled"))


def naive_loop(app, sub_id: str) -> None:
    """What a straightforward implementation does: load each resource and save it in its own transaction."""
    with app.engine.connect() as conn:
        rows = conn.execute(select(resources.c.id_key, resources.c.type, resources.c.allocation_method)
                            .where(resources.c.subscription_id == sub_id)).all()
    for id_key, rtype, allocation in rows:
        with app.engine.begin() as conn:
            conn.execute(select(resources).where(resources.c.id_key == id_key)).first()
            if rtype == ResourceType.VIRTUAL_MACHINE.value:
                values = {"power_state": "deallocated"}
            elif rtype == ResourceType.PUBLIC_IP.value and allocation == "Dynamic":
                values = {"ip_address": None}
            elif rtype == ResourceType.STORAGE_ACCOUNT.value:
                values = {"read_only": True}
            else:
                continue
            conn.execute(update(resources).where(resources.c.id_key == id_key).values(**values))
    with app.engine.begin() as conn:
        conn.execute(update(subscriptions).where(subscriptions.c.subscription_id == sub_id)
                     .values(state="Disabled", state_reason="Cancelled"))


def measure(label: str, fn, app, sub_ids: list[str]) -> float:
    timings = []
    for sub_id in sub_ids:
        started = time.perf_counter()
        fn(app, sub_id)
        timings.append(time.perf_counter() - started)
    console.print(f"  {label}: {', '.join(f'{t * 1000:.1f} ms' for t in timings)}")
    return statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3, help="fleets per method (median is used)")
    parser.add_argument("--naive-repeats", type=int, default=1)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="subplane-bench-"))
    app = build_app(settings.load(env={}, data_dir=data_dir, database_url=args.database_url))
    demo.seed(app)
    plan = {"service": args.repeats, "raw": args.repeats, "naive": args.naive_repeats}
    with console.status("Creating fleets…"):
        ids = {kind: [make_subscription(app, f"{kind}-{i}", args.resources) for i in range(n)]
               for kind, n in plan.items()}
    console.print(f"Backend {app.engine.dialect.name}; {args.resources:,} resources per subscription")
    service = measure("service cancel", service_cancel, app, ids["service"])
    raw = measure("raw SQL update", raw_update, app, ids["raw"])
    with console.status("Naive loop (one transaction per resource)…"):
        naive = measure("naive loop", naive_loop, app, ids["naive"])

    over_raw, under_naive = service / raw, naive / service
    grid = Table(title=f"Cancel of a subscription with {args.resources:,} resources")
    for column in ("method", "median", "ratio", "target", "met"):
        grid.add_column(column)
    grid.add_row("raw SQL update", f"{raw * 1000:.1f} ms", "1.0x (baseline)", "", "")
    grid.add_row("service cancel", f"{service * 1000:.1f} ms", f"{over_raw:.2f}x raw", "≤ 10x raw",
                 "yes" if over_raw <= 10 else "NO")
    grid.add_row("naive loop", f"{naive * 1000:.1f} ms", f"{under_naive:.0f}x service", "≥ 100x service",
                 "yes" if under_naive >= 100 else "NO")
    console.print(grid)
    app.close()
    return 0 if over_raw <= 10 and under_naive >= 100 else 1


if __name__ == "__main__":
    raise SystemExit(main())
