"""Issue 16's acceptance, as a platform engineer runs it with the real SDKs and az: vend into a management group
with an alias; an Owner at the group (and nobody below it) cancels; the subscription moves to Decommissioned; the
final invoice appears through Microsoft.Billing on the usual date and downloads; Cost Management's daily cost sums to
the invoice's subtotal; a budget threshold mails once; `az monitor activity-log list` shows who cancelled it."""

from __future__ import annotations

import subprocess
import sys
import uuid
from decimal import Decimal

import httpx
import pytest
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.billing import BillingManagementClient
from azure.mgmt.consumption import ConsumptionManagementClient
from azure.mgmt.consumption.models import Budget, BudgetTimePeriod, Notification
from azure.mgmt.costmanagement import CostManagementClient
from azure.mgmt.costmanagement.models import QueryAggregation, QueryDataset, QueryDefinition, QueryTimePeriod
from azure.mgmt.managementgroups import ManagementGroupsMgmtClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.subscription import SubscriptionClient
from azure.mgmt.subscription.models import PutAliasRequest, PutAliasRequestAdditionalProperties, PutAliasRequestProperties

from .test_az_cli import AZ, az  # noqa: F401  (the az fixture: a logged-in AZURE_CONFIG_DIR)
from .test_cost_clients import month_start
from .test_management_groups_clients import _billing_account, _object_id

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
GROUPS = "/providers/Microsoft.Management/managementGroups"
OWNER_ROLE = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"


def _advance(live, by: str) -> None:
    moved = httpx.post(f"{live.url}/_subplane/clock", json={"advance": by}, verify=live.ca, timeout=600,
                       headers={"x-subplane-operator-key": live.connection.get("operatorKey", "")})
    assert moved.status_code == 200, moved.text


@pytest.mark.skipif(AZ is None, reason="azure-cli not installed (set SUBPLANE_AZ)")
def test_vend_cancel_decommission_invoice_cost_budget_and_audit(live, az):  # noqa: F811
    groups = live.client(ManagementGroupsMgmtClient)
    for group, name in (("story-landing", "Landing zones"), ("story-decommissioned", "Decommissioned")):
        groups.management_groups.begin_create_or_update(group, {"properties": {"displayName": name}}).result()
    done = subprocess.run([sys.executable, "-m", "subplane.cli.main", "management-groups", "decommission-into",
                           "story-decommissioned"], env=live.server.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

    # vend into the group
    alias = live.client(SubscriptionClient).alias.begin_create("story-vended", PutAliasRequest(
        properties=PutAliasRequestProperties(
            display_name="Story", workload="Production",
            billing_scope=f"/providers/Microsoft.Billing/billingAccounts/{_billing_account(live)}",
            additional_properties=PutAliasRequestAdditionalProperties(
                management_group_id=f"{GROUPS}/story-landing")))).result()
    sub = alias.properties.subscription_id
    resources = live.client(ResourceManagementClient, "owner", sub)
    resources.resource_groups.create_or_update("story-rg", {"location": "westeurope"})
    network = live.client(NetworkManagementClient, "owner", sub)
    network.public_ip_addresses.begin_create_or_update("story-rg", "story-ip", {
        "location": "westeurope", "sku": {"name": "Standard"}, "public_ip_allocation_method": "Static"}).result()
    consumption = live.client(ConsumptionManagementClient, "owner", sub)
    consumption.budgets.create_or_update(f"/subscriptions/{sub}", "story-budget", Budget(
        category="Cost", amount=0.5, time_grain="Monthly",
        time_period=BudgetTimePeriod(start_date=month_start(),
                                     end_date=month_start().replace(year=month_start().year + 1)),
        notifications={"half": Notification(enabled=True, operator="GreaterThan", threshold=50,
                                            contact_emails=["finops@contoso.example"])}))

    # an Owner at the group, holding nothing on the subscription itself
    reader = _object_id(live, "reader")
    live.client(AuthorizationManagementClient, "owner", sub).role_assignments.create(
        f"{GROUPS}/story-landing", str(uuid.uuid4()),
        {"role_definition_id": f"{GROUPS}/story-landing/providers/Microsoft.Authorization/roleDefinitions/{OWNER_ROLE}",
         "principal_id": reader})
    _advance(live, "5d")  # usage accrues: the budget's threshold is crossed
    live.client(SubscriptionClient, "reader").subscription.cancel(sub, params={"IgnoreResourceCheck": "true"})
    under = groups.management_group_subscriptions.get_subscriptions_under_management_group("story-decommissioned")
    assert sub in [s.name for s in under]

    _advance(live, "35d")  # past the usual invoice date
    billing = BillingManagementClient(live.credential(), sub, base_url=live.url, connection_verify=live.ca)
    invoices = [i for i in billing.invoices.list_by_billing_subscription() if i.properties.sub_total.value > 0]
    assert len(invoices) == 1
    invoice = invoices[0]
    document = billing.invoices.begin_download_by_billing_subscription(invoice.name).result()
    assert httpx.get(document.url, verify=live.ca).content.startswith(b"%PDF")

    costs = CostManagementClient(live.credential(), base_url=live.url, connection_verify=live.ca).query.usage(
        f"/subscriptions/{sub}", QueryDefinition(
            type="ActualCost", timeframe="Custom",
            time_period=QueryTimePeriod(from_property=invoice.properties.invoice_period_start_date,
                                        to=invoice.properties.invoice_period_end_date),
            dataset=QueryDataset(granularity="Daily",
                                 aggregation={"cost": QueryAggregation(name="Cost", function="Sum")})))
    daily = sum(Decimal(str(row[0])) for row in costs.properties.rows)
    assert daily == Decimal(str(invoice.properties.sub_total.value))

    mails = httpx.get(f"{live.url}/_subplane/outbox/messages", params={"subscription": sub}, verify=live.ca,
                      headers={"x-subplane-operator-key": live.connection.get("operatorKey", "")}).json()["value"]
    budget_mails = [m for m in mails if m["kind"] == "budgetThresholdCrossed"]
    assert len(budget_mails) == 1 and "finops@contoso.example" in budget_mails[0]["to"]

    az.run("account", "list", "--refresh")  # az learns of the vended subscription, as its users do
    events = az.json("monitor", "activity-log", "list", "--subscription", sub, "--start-time",
                     "2026-01-01T00:00:00Z", "--end-time", "2099-01-01T00:00:00Z", "--max-events", "500")
    cancels = [e for e in events if e["operationName"]["value"] == "Microsoft.Subscription/cancel/action"]
    assert [(e["caller"], e["status"]["value"]) for e in cancels] == [("subplane-reader", "Succeeded")]
    moves = [e for e in events if e["operationName"]["value"] == "Microsoft.Management/managementGroups/subscriptions/write"]
    assert moves and moves[0]["correlationId"] == cancels[0]["correlationId"]
