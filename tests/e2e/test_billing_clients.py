"""FinOps and decommissioning through Microsoft.Billing with azure-mgmt-billing against a running server
(issue 16, item 2): accounts, billing subscriptions and their cancel, invoices, transactions, downloads."""

from __future__ import annotations

import json

import httpx
import pytest
from azure.mgmt.billing import BillingManagementClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _billing(live) -> BillingManagementClient:
    return BillingManagementClient(live.credential(), live.subscription_id("Productie"), base_url=live.url,
                                   connection_verify=live.ca)


def test_billing_accounts_invoices_and_downloads_through_the_sdk(live):
    moved = httpx.post(f"{live.url}/_subplane/clock", json={"advance": "35d"}, verify=live.ca,
                       headers={"x-subplane-operator-key": live.connection.get("operatorKey", "")})
    assert moved.status_code == 200, moved.text
    client = _billing(live)
    accounts = list(client.billing_accounts.list())
    assert [a.properties.display_name for a in accounts] == ["Contoso"]
    account = accounts[0].name
    assert accounts[0].properties.sold_to.company_name == "Contoso B.V."
    invoices = list(client.invoices.list_by_billing_account(account))
    assert invoices and all(i.properties.total_amount.currency == "EUR" for i in invoices)
    invoice = next(i for i in invoices if i.properties.sub_total.value > 0)
    shown = client.invoices.get_by_billing_account(account, invoice.name)
    assert shown.properties.invoice_period_start_date == invoice.properties.invoice_period_start_date
    lines = list(client.transactions.list_by_invoice(account, invoice.name))
    assert round(sum(t.properties.transaction_amount.value for t in lines), 2) == invoice.properties.sub_total.value
    document = client.invoices.begin_download_by_billing_account(account, invoice.name).result()
    pdf = httpx.get(document.url, verify=live.ca)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and document.expiry_time


def test_a_billing_subscription_is_cancelled_through_microsoft_billing(live):
    client = _billing(live)
    account = next(iter(client.billing_accounts.list())).name
    sub = live.subscription_id("Ontwikkeling")
    before = client.billing_subscriptions.get(account, sub)
    assert before.properties.status == "Active" and before.properties.display_name == "Ontwikkeling"
    client.billing_subscriptions.begin_cancel(account, sub, {"cancellationReason": "Other"},
                                              params={"IgnoreResourceCheck": "true"}).result()
    assert client.billing_subscriptions.get(account, sub).properties.status == "Cancelled"
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    assert live.client(SubscriptionClient).subscriptions.get(sub).state == "Disabled"
    assert json.dumps(before.as_dict())  # the model round-trips
