"""Usage details at subscription scope, read with the real azure-mgmt-consumption SDK from `subplane serve`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC
from decimal import Decimal

import pytest
from azure.mgmt.consumption import ConsumptionManagementClient

from .conftest import Live

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


def test_two_rows_of_one_day_resource_and_meter_get_different_ids():
    """A switch-day invoice ends mid-day, so one day can hold two rows of one resource and meter."""
    from datetime import datetime

    from subplane.api.arm.consumption import usage_record

    def row(hour: int) -> dict:
        return {"subscriptionId": "s", "resourceId": "/subscriptions/s/resourceGroups/g/providers/M.C/vm/v",
                "meter": "vm/Standard_B2s", "unitPrice": Decimal("0.05"), "date": "2026-12-05",
                "from": datetime(2026, 12, 5, hour, tzinfo=UTC), "to": datetime(2026, 12, 5, hour + 1, tzinfo=UTC),
                "quantity": Decimal("1"), "amount": Decimal("0.05"), "currency": "EUR", "unit": "1 Hour"}

    period = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    ids = {usage_record(row(h), subscription_name="S", offer_id="MS-AZR-0003P", period=period)["name"] for h in (3, 15)}
    assert len(ids) == 2
