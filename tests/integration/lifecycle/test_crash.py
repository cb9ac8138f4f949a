"""A process killed in the middle of cancelling a large subscription leaves nothing half-done."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

from subplane.domain.access import OPERATOR
from subplane.domain.resources import AllocationMethod, PowerState, Resource, ResourceType, resource_id

SIZE = 3000


def add_fleet(app, subscription_id: str, now: datetime) -> None:
    items = []
    for n in range(SIZE // 3):
        rid = lambda t, name: resource_id(subscription_id, "big-rg", t, name)  # noqa: E731
        items += [
            Resource(rid(ResourceType.VIRTUAL_MACHINE, f"vm{n}"), subscription_id, "big-rg",
                     ResourceType.VIRTUAL_MACHINE, f"vm{n}", "westeurope", now, vm_size="Standard_B1s",
                     power_state=PowerState.RUNNING),
            Resource(rid(ResourceType.PUBLIC_IP, f"ip{n}"), subscription_id, "big-rg", ResourceType.PUBLIC_IP,
                     f"ip{n}", "westeurope", now, sku="Basic", allocation_method=AllocationMethod.DYNAMIC,
                     ip_address=f"20.1.{n // 250}.{n % 250 + 1}"),
            Resource(rid(ResourceType.STORAGE_ACCOUNT, f"st{n}"), subscription_id, "big-rg",
                     ResourceType.STORAGE_ACCOUNT, f"st{uuid.uuid4().hex[:10]}", "westeurope", now, read_only=False),
        ]
    with app.uow() as uow:
        uow.resources.add_many(items)


def consistent(app, subscription_id: str) -> str:
    with app.uow(read_only=True) as uow:
        sub = uow.subscriptions.get(subscription_id)
        fleet = uow.resources.list(subscription_id)
    running = sum(r.power_state is PowerState.RUNNING for r in fleet)
    writable = sum(r.read_only is False for r in fleet)
    addressed = sum(r.allocation_method is AllocationMethod.DYNAMIC and r.ip_address is not None for r in fleet)
    if sub.state.value == "Disabled":
        assert (running, writable, addressed) == (0, 0, 0), "a Disabled subscription with live resources"
    else:
        assert sub.state.value == "Enabled"
        assert (running, writable, addressed) == (SIZE // 3,) * 3, "an Enabled subscription half turned off"
    return sub.state.value


def test_killed_mid_cancel_then_restarted(demo_app, database, tmp_path):
    sub = demo_app.subscriptions.get(actor=OPERATOR, ref="Ontwikkeling")
    add_fleet(demo_app, sub.subscription_id, demo_app.clock_control.now())
    script = Path(__file__).with_name("crash_cancel.py")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, str(script), str(tmp_path / "data"), database.url, sub.subscription_id],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 120
    line = b""
    while time.monotonic() < deadline and b"effects-applied" not in line:
        line = child.stdout.readline()
        if not line and child.poll() is not None:
            raise AssertionError(child.stderr.read().decode())
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)

    # Restarted: the store is consistent, and nothing of the cancel was committed.
    assert consistent(demo_app, sub.subscription_id) == "Enabled"
    # Retrying the cancel completes it.
    result = demo_app.subscriptions.cancel(actor=OPERATOR, ref=sub.subscription_id, reason="retry",
                                           turn_off_resources=True)
    assert result.counts["vmsDeallocated"] == SIZE // 3
    assert consistent(demo_app, sub.subscription_id) == "Disabled"
