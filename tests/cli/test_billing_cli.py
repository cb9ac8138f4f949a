"""The billing stories through the `subplane` CLI, with the simulated clock, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from subplane import settings as settings_module
from subplane.bootstrap import build_app
from subplane.cli.main import app as cli_app
from subplane.domain.access import OPERATOR


class Cli:
    def __init__(self, data_dir, database_url):
        self.env = {"SUBPLANE_DATA_DIR": str(data_dir), "SUBPLANE_DATABASE_URL": database_url, "COLUMNS": "200"}
        self.runner = CliRunner()

    def __call__(self, *args, ok=True):
        result = self.runner.invoke(cli_app, list(args), env=self.env)
        if ok and result.exit_code != 0:
            raise AssertionError(f"subplane {' '.join(args)} failed ({result.exit_code}):\n{result.output}")
        return result

    def json(self, *args):
        return json.loads(self(*args, "--output", "json").stdout)

    def app(self):
        return build_app(settings_module.load(env={}, data_dir=self.env["SUBPLANE_DATA_DIR"],
                                              database_url=self.env["SUBPLANE_DATABASE_URL"]))


@pytest.fixture
def cli(database, tmp_path):
    runner = Cli(tmp_path / "data", database.url)
    runner("demo")
    return runner


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_founding_story_cancel_on_day_12(cli, tmp_path):
    cli("clock", "advance", "11d")
    preview = cli.json("subscriptions", "preview-cancel", "Productie")
    assert len(preview["vmsToDeallocate"]) == 2 and preview["ipsToRelease"] and preview["storageToReadOnly"]
    cancelled = cli.json("subscriptions", "cancel", "Productie", "--reason", "Te duur", "--turn-off-resources")
    cancel_at = when(cancelled["cancelledAt"])
    assert cancelled["finalEstimate"] == preview["estimate"]  # the cancel result shows the preview's figures
    estimate = cli.json("billing", "estimate", "Productie")
    assert estimate["total"] == preview["estimate"]["total"] and estimate["charges"] == preview["estimate"]["charges"]

    invoice_date = preview["estimate"]["finalInvoiceDate"]
    cli("clock", "advance", "25d")
    invoices = [i for i in cli.json("invoices", "list", "--subscription", "Productie")]
    assert len(invoices) == 1 and invoices[0]["invoiceDate"] == invoice_date
    invoice = cli.json("invoices", "show", invoices[0]["invoiceNumber"])
    assert invoice["periodStart"] == preview["estimate"]["periodStart"]
    assert invoice["total"] == preview["estimate"]["total"]
    assert all(when(line["to"]) <= cancel_at for line in invoice["lines"])
    assert Decimal(invoice["total"]) == Decimal(invoice["subtotal"]) - Decimal(invoice["credits"]) + Decimal(invoice["tax"])
    assert {"invoiceNumber", "billingAccount", "invoiceDate", "dueDate", "currency", "subtotal", "credits", "tax",
            "total", "status", "lines"} <= set(invoice)
    assert {"subscriptionId", "resourceId", "meter", "quantity", "unitPrice", "amount", "from", "to"} <= set(invoice["lines"][0])

    out = tmp_path / "factuur.pdf"
    cli("invoices", "pdf", invoice["invoiceNumber"], "--out", str(out))
    text = PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text()
    assert "Factuur" in text and "Factuurdatum" in text

    cli("clock", "advance", "60d")  # nothing after the cancel instant is ever billed
    assert [i["invoiceNumber"] for i in cli.json("invoices", "list", "--subscription", "Productie")] == [
        invoice["invoiceNumber"]]
    usage = cli("usage", "Productie", "--csv", "--from", cancelled["cancelledAt"]).stdout.strip().splitlines()
    assert usage == ["date,subscriptionId,resourceId,meter,unit,quantity,unitPrice,amount,currency,from,to"]


def _burn_trial_credit(cli) -> None:
    """Five large VMs on the Free Trial: its credit runs low within days."""
    app = cli.app()
    try:
        for n in range(5):
            app.resources.create_vm(actor=OPERATOR, subscription="Proefversie", group="proef-rg", name=f"groot-{n}",
                                    size="Standard_D4s_v5", public_ip=None)
    finally:
        app.close()


def test_free_trial_exhausted_disabled_then_upgrade_enables(cli):
    _burn_trial_credit(cli)
    cli("clock", "advance", "10d")
    shown = cli.json("subscriptions", "show", "Proefversie")
    assert (shown["state"], shown["stateReason"]) == ("Disabled", "SpendingLimitReached")
    assert cli.json("billing", "estimate", "Proefversie")["creditsRemaining"] == "0.00"
    denied = cli("subscriptions", "upgrade", "Proefversie", "--as", "reader@contoso.example", ok=False)
    assert denied.exit_code == 3
    upgraded = cli.json("subscriptions", "upgrade", "Proefversie", "--as", "admin@contoso.example")
    assert (upgraded["state"], upgraded["offerId"]) == ("Enabled", "MS-AZR-0003P")


def test_failed_card_past_due_disabled_then_settle(cli):
    account = cli.json("subscriptions", "show", "Productie")["billingAccountId"]
    assert cli.json("billing", "card", account, "--fail")["fails"] is True
    assert cli.json("billing", "card", account)["fails"] is True  # without a flag it shows, and changes nothing
    cli("clock", "advance", "42d")
    assert cli.json("subscriptions", "show", "Productie")["state"] == "PastDue"
    cli("clock", "advance", "31d")
    shown = cli.json("subscriptions", "show", "Productie")
    assert (shown["state"], shown["stateReason"]) == ("Disabled", "NonPayment")
    declined = cli("billing", "pay", cli.json("invoices", "list", "--status", "PastDue")[0]["invoiceNumber"], ok=False)
    assert declined.exit_code == 5 and "PaymentDeclined" in declined.output
    settled = cli.json("billing", "settle", "Contoso", "--as", "admin@contoso.example")
    assert settled and {i["status"] for i in cli.json("invoices", "list")} == {"Paid"}
    assert cli.json("subscriptions", "show", "Productie")["state"] == "Enabled"


def test_switch_offer_after_the_first_period(cli):
    refused = cli("subscriptions", "switch-offer", "Productie", "MS-AZR-0023P", ok=False)
    assert refused.exit_code == 5 and "FirstBillingPeriodNotCompleted" in refused.output
    cli("clock", "advance", "33d")
    switched = cli.json("subscriptions", "switch-offer", "Productie", "MS-AZR-0023P")
    assert switched["offerId"] == "MS-AZR-0023P"
    assert switched["switchInvoice"]["invoiceDate"] == switched["switchInvoice"]["periodEnd"][:10]
    estimate = cli.json("billing", "estimate", "Productie")
    assert estimate["periodStart"] == switched["switchInvoice"]["periodEnd"]  # the anniversary moved to the switch day


def test_cancel_with_a_support_plan_needs_an_auto_renew_choice(cli):
    cli("billing", "support", "Productie", "--plan", "Developer")
    for extra in ([], ["--output", "json"]):  # no terminal here: refused, never picked silently
        refused = cli("subscriptions", "cancel", "Productie", "--reason", "weg", "--turn-off-resources", *extra, ok=False)
        assert refused.exit_code == 2 and "SupportPlanChoiceRequired" in refused.stderr
        assert "--no-support-auto-renew" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
        if extra:  # scripts reading JSON get the refusal as ARM's error envelope on stdout
            assert json.loads(refused.stdout)["error"]["code"] == "SupportPlanChoiceRequired"
        else:
            assert refused.stdout == ""
    assert cli.json("subscriptions", "show", "Productie")["state"] == "Enabled"

    cancelled = cli.json("subscriptions", "cancel", "Productie", "--reason", "weg", "--turn-off-resources",
                         "--no-support-auto-renew")
    assert cancelled["state"] == "Disabled" and cancelled["supportPlan"] == {"plan": "Developer", "autoRenew": False}
    app = cli.app()
    try:
        with app.uow(read_only=True) as uow:
            plan = uow.billing.support_plan(cancelled["subscriptionId"])
            entry = uow.activity.last_success(cancelled["subscriptionId"], "cancel")
        assert plan.ended_at == when(cancelled["cancelledAt"]) and not plan.auto_renew  # same transaction
        assert entry["details"]["supportPlan"] == {"plan": "Developer", "autoRenew": False}
    finally:
        app.close()
    again = cli.json("subscriptions", "cancel", "Productie", "--reason", "weg")  # the repeat shows the same choice
    assert again["changed"] is False and again["supportPlan"] == cancelled["supportPlan"]


def test_cancel_asks_about_the_support_plan_on_a_terminal(cli, monkeypatch):
    import subplane.cli.subscriptions as cli_subscriptions

    cli("billing", "support", "Ontwikkeling", "--plan", "Standard")
    monkeypatch.setattr(cli_subscriptions, "interactive", lambda _cli: True)
    asked = cli.runner.invoke(cli_app, ["subscriptions", "cancel", "Ontwikkeling", "--reason", "klaar"],
                              env=cli.env, input="n\n")
    assert asked.exit_code == 0, asked.output
    assert "Turn off its auto-renew?" in asked.output and "Support plan Standard: auto-renew on" in asked.output
    assert cli.json("subscriptions", "show", "Ontwikkeling")["state"] == "Disabled"
    assert cli.json("subscriptions", "cancel", "Ontwikkeling", "--reason", "klaar")["supportPlan"] == {
        "plan": "Standard", "autoRenew": True}


def test_warned_credit_nearly_used_then_cancel_and_payment_overdue_soon_then_card_fixed(cli):
    _burn_trial_credit(cli)
    cli("clock", "advance", "7d")
    shown = cli.json("subscriptions", "show", "Proefversie")
    assert (shown["state"], shown["stateReason"]) == ("Warned", "CreditNearlyUsed")
    listed = {s["displayName"]: (s["state"], s["stateReason"]) for s in cli.json("subscriptions", "list")}
    assert listed["Proefversie"] == ("Warned", "CreditNearlyUsed") and listed["Productie"] == ("Enabled", None)
    cancelled = cli.json("subscriptions", "cancel", "Proefversie", "--reason", "te duur", "--turn-off-resources")
    assert (cancelled["state"], cancelled["stateReason"]) == ("Disabled", "Cancelled")

    cli("billing", "card", "Contoso", "--fail")
    cli("clock", "advance", "31d")  # Productie's first invoice is due 10 days after its period: warned 3 days before
    shown = cli.json("subscriptions", "show", "Productie")
    assert (shown["state"], shown["stateReason"]) == ("Warned", "PaymentOverdueSoon")
    cli("billing", "card", "Contoso", "--ok")
    assert cli.json("subscriptions", "show", "Productie")["state"] == "Enabled"
    cli("clock", "advance", "4d")
    assert cli.json("subscriptions", "show", "Productie")["state"] == "Enabled"
    assert {i["status"] for i in cli.json("invoices", "list", "--subscription", "Productie")} == {"Paid"}


def test_remove_spending_limit_is_refused_for_the_free_trial(cli):
    refused = cli("billing", "remove-spending-limit", "Proefversie", ok=False)
    assert refused.exit_code == 5 and "SpendingLimitNotRemovable" in refused.output


def test_cli_refuses_bad_input_with_a_code_and_exit_2(cli):
    bad_day = cli("usage", "Productie", "--csv", "--from", "27-11-2026", ok=False)
    assert bad_day.exit_code == 2 and "InvalidInstant" in bad_day.stderr and "Traceback" not in bad_day.output
    no_name = cli("subscriptions", "delete", "Ontwikkeling", ok=False)
    assert no_name.exit_code == 2 and "ConfirmationNameRequired" in no_name.stderr


def test_invoice_list_names_the_subscription_and_keeps_numbers_whole(cli):
    cli("clock", "advance", "31d")
    listed = cli("invoices", "list").stdout
    numbers = [i["invoiceNumber"] for i in cli.json("invoices", "list")]
    assert numbers and all(number in listed for number in numbers)  # never folded across lines
    assert "Productie" in listed
    shown = cli("invoices", "show", numbers[0]).stdout
    assert "VAT 21%" in shown


def test_subscriptions_create_signs_up_on_an_account_and_needs_a_card_for_pay_as_you_go(cli):
    created = cli.json("subscriptions", "create", "Nieuw", "--billing-account", "Contoso", "--as", "admin@contoso.example")
    assert created["displayName"] == "Nieuw" and created["state"] == "Enabled" and created["offerId"] == "MS-AZR-0003P"
    assert cli.json("billing", "card", "Contoso", "--remove")["hasCard"] is False
    refused = cli("subscriptions", "create", "Zonder kaart", "--billing-account", "Contoso", ok=False)
    assert refused.exit_code == 5 and "PaymentMethodRequired" in refused.stderr
    trial = cli.json("subscriptions", "create", "Proef 2", "--billing-account", "Contoso", "--offer", "MS-AZR-0044P")
    assert trial["offerId"] == "MS-AZR-0044P"
    reader = cli("subscriptions", "create", "X", "--billing-account", "Contoso", "--as", "reader@contoso.example", ok=False)
    assert reader.exit_code == 3 and "AuthorizationFailed" in reader.stderr
    missing = cli("subscriptions", "create", "Y", ok=False)
    assert missing.exit_code == 2 and "BillingAccountRequired" in missing.stderr
