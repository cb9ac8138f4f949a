"""Usage details at subscription scope, read with the real azure-mgmt-consumption SDK from `subplane serve`."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

import pytest
from azure.mgmt.consumption import ConsumptionManagementClient

from tests.e2e.conftest import Live, live  # noqa: F401 - the running server fixture

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_usage_details_list_reads_daily_usage_per_resource_and_meter(live: Live):
    sub = live.subscription_id("Productie")
    env = {**os.environ, "SUBPLANE_DATA_DIR": str(live.server.data_dir)}
    env.pop("SUBPLANE_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "subplane.cli.main", "clock", "advance", "2d"], env=env, check=True,
                   capture_output=True, timeout=120)
    client = live.client(ConsumptionManagementClient, "owner", sub)
    details = list(client.usage_details.list(scope=f"/subscriptions/{sub}"))
    assert details, "the demo's VMs, IPs and storage accrue from sign-up"
    assert all(d.kind == "legacy" and d.subscription_id == sub for d in details)
    products = {d.product for d in details}
    assert {"vm/Standard_B2s", "vm/Standard_D2s_v5", "ip/Basic/Dynamic", "ip/Basic/Static"} <= products
    vm = next(d for d in details if d.product == "vm/Standard_D2s_v5")
    assert vm.resource_group == "productie-rg" and vm.billing_currency == "EUR"
    assert Decimal(str(vm.cost)) == (Decimal(str(vm.quantity)) * Decimal("0.1060")).quantize(Decimal("0.01"))
    reader = live.client(ConsumptionManagementClient, "reader", sub)
    assert len(list(reader.usage_details.list(scope=f"/subscriptions/{sub}"))) == len(details)
