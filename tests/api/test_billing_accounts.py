"""Microsoft.Billing (issue 16 item 2): accounts with sold-to, billing subscriptions and their cancel, invoices
by account and by subscription with date filters, transactions, and download links that expire."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from .conftest import ACTION_VERSION

VERSION = "2024-04-01"
ACCOUNTS = "/providers/Microsoft.Billing/billingAccounts"


@pytest.fixture
def invoiced(arm):
    arm.app.clock_control.advance(timedelta(days=35))  # the demo's first invoices
    return arm


def test_accounts_with_their_sold_to_for_who_may_see_them(arm):
    listed = arm.call("GET", ACCOUNTS, version=VERSION).json()["value"]
    assert [a["properties"]["displayName"] for a in listed] == ["Contoso"]
    account = listed[0]
    assert account["properties"]["soldTo"]["companyName"] == "Contoso B.V."
    assert account["properties"]["taxIds"][0]["id"] == "NL123456789B01"
    assert arm.call("GET", f"{ACCOUNTS}/{account['name']}", version=VERSION).json()["name"] == account["name"]
    assert arm.call("GET", ACCOUNTS, version=VERSION, role="reader").json()["value"] == []  # no billing role
    hidden = arm.call("GET", f"{ACCOUNTS}/{account['name']}", version=VERSION, role="reader")
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "BillingAccountNotFound"


def test_billing_subscriptions_and_cancel_through_them(arm):
    account = arm.demo["billingAccountId"]
    subs = arm.call("GET", f"{ACCOUNTS}/{account}/billingSubscriptions", version=VERSION).json()["value"]
    assert {s["properties"]["displayName"] for s in subs} == {"Productie", "Proefversie", "Ontwikkeling"}
    assert {s["properties"]["status"] for s in subs} == {"Active"}
    sub = arm.subscription_id("Ontwikkeling")
    cancel = arm.call("POST", f"{ACCOUNTS}/{account}/billingSubscriptions/{sub}/cancel", version=VERSION,
                      json={"cancellationReason": "Other"}, params={"IgnoreResourceCheck": "true"})
    assert cancel.status_code == 202 and "Location" in cancel.headers
    shown = arm.call("GET", f"{ACCOUNTS}/{account}/billingSubscriptions/{sub}", version=VERSION).json()
    assert shown["properties"]["status"] == "Cancelled"
    arm_view = arm.call("GET", f"/subscriptions/{sub}", version="2022-12-01").json()
    assert arm_view["state"] == "Disabled"  # the same cancel as Microsoft.Subscription's
    again = arm.call("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/cancel", version=ACTION_VERSION)
    assert again.status_code == 200  # a repeat, as the lifecycle answers it
    refused = arm.call("POST", f"{ACCOUNTS}/{account}/billingSubscriptions/{sub}/cancel", version=VERSION,
                       role="reader", json={})
    assert refused.status_code == 404  # the reader holds no billing role on the account


def test_invoices_by_account_and_subscription_agree_and_filter_on_invoice_date(invoiced):
    arm = invoiced
    account = arm.demo["billingAccountId"]
    by_account = arm.call("GET", f"{ACCOUNTS}/{account}/invoices", version=VERSION).json()["value"]
    assert by_account
    invoice = next(i for i in by_account if i["properties"]["subTotal"]["value"] > 0)
    props = invoice["properties"]
    assert props["totalAmount"]["currency"] == "EUR" and props["status"] in ("Due", "Paid", "OverDue")
    assert Decimal(str(props["subTotal"]["value"])) - Decimal(str(props["creditAmount"]["value"])) + \
        Decimal(str(props["taxAmount"]["value"])) == Decimal(str(props["totalAmount"]["value"]))
    sub = props["subscriptionId"]
    mine = arm.call("GET", f"{ACCOUNTS}/default/billingSubscriptions/{sub}/invoices", version=VERSION).json()["value"]
    assert invoice["name"] in [i["name"] for i in mine]
    day = props["invoiceDate"][:10]
    same_day = arm.call("GET", f"{ACCOUNTS}/{account}/invoices", version=VERSION,
                        params={"periodStartDate": day, "periodEndDate": day}).json()["value"]
    assert invoice["name"] in [i["name"] for i in same_day]
    assert arm.call("GET", f"{ACCOUNTS}/{account}/invoices", version=VERSION,
                    params={"periodStartDate": "2020-01-01", "periodEndDate": "2020-01-31"}).json()["value"] == []
    bad = arm.call("GET", f"{ACCOUNTS}/{account}/invoices", version=VERSION, params={"periodStartDate": "june"})
    assert bad.status_code == 400
    lines = arm.call("GET", f"{ACCOUNTS}/{account}/invoices/{invoice['name']}/transactions",
                     version=VERSION).json()["value"]
    assert sum(Decimal(str(t["properties"]["transactionAmount"]["value"])) for t in lines) == \
        Decimal(str(props["subTotal"]["value"]))
    # metered usage is the spec's number "units" (its "quantity" is an integer count of purchases)
    assert all(t["properties"]["units"] >= 0 and "quantity" not in t["properties"] for t in lines)
    assert any(t["properties"]["units"] > 0 for t in lines)


def test_download_links_serve_the_pdf_and_the_ubl_and_cannot_be_forged(invoiced):
    arm = invoiced
    account = arm.demo["billingAccountId"]
    invoice = arm.call("GET", f"{ACCOUNTS}/{account}/invoices", version=VERSION).json()["value"][0]["name"]
    pdf = arm.call("POST", f"{ACCOUNTS}/{account}/invoices/{invoice}/download", version=VERSION)
    assert pdf.status_code == 200 and pdf.json()["expiryTime"]
    fetched = arm.client.get(pdf.json()["url"])  # no bearer token: the link is the credential
    assert fetched.status_code == 200 and fetched.content.startswith(b"%PDF")
    ubl = arm.call("POST", f"{ACCOUNTS}/{account}/invoices/{invoice}/download", version=VERSION,
                   params={"documentName": "ubl"}).json()
    assert arm.client.get(ubl["url"]).content.startswith(b"<?xml")
    forged = pdf.json()["url"][:-4] + "abcd"
    assert arm.client.get(forged).status_code == 404
    assert arm.call("POST", f"{ACCOUNTS}/{account}/invoices/{invoice}/download", version=VERSION,
                    params={"documentName": "exe"}).status_code == 400


def test_a_download_link_expires(invoiced, monkeypatch):
    import itsdangerous.timed as timed

    arm = invoiced
    account = arm.demo["billingAccountId"]
    invoice = arm.call("GET", f"{ACCOUNTS}/{account}/invoices", version=VERSION).json()["value"][0]["name"]
    real = timed.time.time
    monkeypatch.setattr(timed.time, "time", lambda: real() - 2 * 3600)  # the link was made two hours ago
    old = arm.call("POST", f"{ACCOUNTS}/{account}/invoices/{invoice}/download", version=VERSION).json()["url"]
    monkeypatch.setattr(timed.time, "time", real)
    expired = arm.client.get(old)
    assert expired.status_code == 403 and expired.json()["error"]["code"] == "DocumentLinkExpired"
