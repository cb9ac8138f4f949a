"""Billing through the services, on SQLite and PostgreSQL, with the simulated clock."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from subplane.domain import billing as rules
from subplane.domain.access import OPERATOR
from subplane.domain.errors import Conflict, InvalidInput
from subplane.domain.lifecycle import Reason, State
from subplane.domain.resources import VmAction


def sub_named(app, name):
    return app.subscriptions.get(actor=OPERATOR, ref=name)


def invoices_of(app, name):
    sub = sub_named(app, name)
    return [app.billing.get_invoice(actor=OPERATOR, ref=i.invoice_id)
            for i in app.billing.list_invoices(actor=OPERATOR, subscription=sub.subscription_id)]


def spans_of(app, subscription_id):
    with app.uow(read_only=True) as uow:
        return uow.billing.spans_between(rules.start_of_day(uow.now) - timedelta(days=400), uow.now + timedelta(days=400),
                                       [subscription_id])


def test_cancel_on_day_12_gives_the_final_invoice_on_the_usual_date(demo_app):
    app = demo_app
    prod = sub_named(app, "Productie")
    app.clock_control.advance(timedelta(days=11, hours=3))
    preview = app.billing.preview_cancel(actor=OPERATOR, ref="Productie")
    assert len(preview.vms_to_deallocate) == 2 and len(preview.ips_to_release) == 1 and preview.storage_to_read_only
    result = app.subscriptions.cancel(actor=OPERATOR, ref="Productie", reason="te duur", turn_off_resources=True)
    assert result.billing == preview.estimate  # the cancel result shows the figures the preview showed
    turned_off = app.subscriptions.turned_off(actor=OPERATOR, ref="Productie", change_id=result.change_id)
    assert (sorted(turned_off["vmsDeallocated"]), turned_off["ipsReleased"], turned_off["storageReadOnly"]) == (
        sorted(preview.vms_to_deallocate), preview.ips_to_release, preview.storage_to_read_only)  # one rule
    cancelled_at = result.subscription.cancelled_at
    assert all(s.end is not None and s.end <= cancelled_at for s in spans_of(app, prod.subscription_id))

    period = rules.first_period(prod.created_at, prod.created_at.day)
    app.clock_control.advance(period.end - cancelled_at - timedelta(seconds=1))
    assert invoices_of(app, "Productie") == []  # not issued at cancel time, nor before the usual date
    app.clock_control.advance(timedelta(seconds=1))
    invoice, = invoices_of(app, "Productie")
    assert invoice.invoice_date == period.invoice_date and invoice.period_start == period.start
    assert invoice.total == preview.estimate.total and invoice.subtotal == preview.estimate.charges
    assert invoice.total == invoice.subtotal - invoice.credits + invoice.tax
    assert invoice.subtotal == sum(item.amount for item in invoice.lines)
    assert invoice.tax == (invoice.subtotal * Decimal("0.21")).quantize(Decimal("0.01"))
    assert all(item.to_at <= cancelled_at for item in invoice.lines)
    vm_hours = Decimal((cancelled_at - prod.created_at).total_seconds()) / 3600
    vm_lines = [item for item in invoice.lines if item.meter.startswith("vm/")]
    assert len(vm_lines) == 2 and all(abs(item.quantity - vm_hours) < Decimal("0.001") for item in vm_lines)
    assert {item.meter for item in invoice.lines} >= {"vm/Standard_B2s", "vm/Standard_D2s_v5", "ip/Basic/Dynamic",
                                               "ip/Basic/Static", "storage/Standard_LRS"}

    app.clock_control.advance(timedelta(days=70))  # keeping the data costs nothing
    assert [i.invoice_id for i in invoices_of(app, "Productie")] == [invoice.invoice_id]


def test_issuing_twice_never_makes_two_invoices(demo_app):
    app = demo_app
    prod = sub_named(app, "Productie")
    app.clock_control.advance(timedelta(days=32))
    first = invoices_of(app, "Productie")
    assert len(first) == 1
    with app.uow() as uow:
        row = uow.billing.get_period(prod.subscription_id)
        previous = rules.Period(first[0].period_start, first[0].period_end)
        uow.billing.save_periods([type(row)(**{**row.__dict__, "period_start": previous.start, "period_end": previous.end})])
        assert app.billing.invoicing.issue_due(uow) == 0
    assert [i.invoice_id for i in invoices_of(app, "Productie")] == [first[0].invoice_id]


def test_free_trial_credit_runs_out_then_upgrade_enables_it(demo_app):
    app = demo_app
    trial = sub_named(app, "Proefversie")
    for n in range(5):
        app.resources.create_vm(actor=OPERATOR, subscription="Proefversie", group="proef-rg", name=f"big-{n}",
                                size="Standard_D4s_v5", public_ip=None)
    app.clock_control.advance(timedelta(days=12))
    after = sub_named(app, "Proefversie")
    assert (after.state, after.state_reason) == (State.DISABLED, Reason.SPENDING_LIMIT_REACHED)
    vms = [r for r in app.resources.list(actor=OPERATOR, subscription="Proefversie") if r.vm_size]
    assert all(v.power_state.value == "deallocated" for v in vms)
    with app.uow(read_only=True) as uow:
        left, _ = app.billing.metering.credit_left(uow, after, after.state_changed_at)
    assert -1 < left <= 0  # disabled the second the credit ran out
    with pytest.raises(Conflict):
        app.resources.create_group(actor=OPERATOR, subscription="Proefversie", name="x", location="westeurope")

    upgraded = app.billing.upgrade(actor=OPERATOR, ref="Proefversie")
    assert (upgraded.state, upgraded.offer_id) == (State.ENABLED, "MS-AZR-0003P")
    app.resources.vm_action(actor=OPERATOR, vm="big-0", action=VmAction.START)
    app.clock_control.advance(timedelta(days=25))
    invoice, = invoices_of(app, "Proefversie")
    assert invoice.credits == Decimal("200.00") and invoice.subtotal > Decimal("200")
    assert invoice.total == invoice.subtotal - invoice.credits + invoice.tax
    assert sub_named(app, "Proefversie").state is State.ENABLED  # no spending limit any more
    assert trial.subscription_id == invoice.subscription_id


def test_failed_card_past_due_then_disabled_then_settled(demo_app):
    app = demo_app
    account = sub_named(app, "Productie").billing_account_id
    app.billing.set_card(actor=OPERATOR, account=account, fails=True)
    prod = sub_named(app, "Productie")
    due = rules.first_period(prod.created_at, prod.created_at.day).end + timedelta(days=10)
    app.clock_control.advance(due + timedelta(hours=23) - app.clock_control.now())
    warned = sub_named(app, "Productie")  # on the due date itself: warned (the card will fail), not yet past due
    assert (warned.state, warned.state_reason) == (State.WARNED, Reason.PAYMENT_OVERDUE_SOON)
    app.clock_control.advance(timedelta(hours=1))
    assert sub_named(app, "Productie").state is State.PAST_DUE
    assert {i.status for i in invoices_of(app, "Productie")} == {"PastDue"}
    app.clock_control.advance(timedelta(days=30))
    disabled = sub_named(app, "Productie")
    assert (disabled.state, disabled.state_reason) == (State.DISABLED, Reason.NON_PAYMENT)
    assert all(s.end is not None for s in spans_of(app, disabled.subscription_id))

    with pytest.raises(Conflict):
        app.billing.pay(actor=OPERATOR, invoice=invoices_of(app, "Productie")[0].invoice_number)  # card declines
    paid = app.billing.settle(actor=OPERATOR, account=account)
    assert paid and sub_named(app, "Productie").state is State.ENABLED
    assert {i.status for i in invoices_of(app, "Productie")} == {"Paid"}
    assert any(s.end is None for s in spans_of(app, disabled.subscription_id))  # storage accrues again


def test_switch_offer_only_after_the_first_period_and_invoices_the_switch_day(demo_app):
    app = demo_app
    with pytest.raises(Conflict) as early:
        app.billing.switch_offer(actor=OPERATOR, ref="Productie", target_offer="MS-AZR-0023P")
    assert early.value.code == "FirstBillingPeriodNotCompleted"
    with pytest.raises(Conflict) as wrong:
        app.billing.switch_offer(actor=OPERATOR, ref="Productie", target_offer="MS-AZR-0017P")
    assert wrong.value.code == "OfferSwitchNotAllowed"
    app.clock_control.advance(timedelta(days=40, hours=5))
    sub, invoice = app.billing.switch_offer(actor=OPERATOR, ref="Productie", target_offer="MS-AZR-0023P")
    now = app.clock_control.now()
    assert sub.offer_id == "MS-AZR-0023P" and invoice.invoice_date == now.date() and invoice.period_end == now
    assert len(invoices_of(app, "Productie")) == 2
    estimate = app.billing.estimate(actor=OPERATOR, ref="Productie")
    assert estimate.period_start == now and estimate.invoice_date == rules.next_boundary(now, now.day).date()
    assert estimate.charges == Decimal("0.00")


def test_reactivation_bills_again_from_its_instant_only(demo_app):
    app = demo_app
    prod = sub_named(app, "Productie")
    app.clock_control.advance(timedelta(days=2))
    app.subscriptions.cancel(actor=OPERATOR, ref="Productie", reason="test", turn_off_resources=True)
    app.clock_control.advance(timedelta(days=3))
    app.subscriptions.reactivate(actor=OPERATOR, ref="Productie")
    reactivated = app.clock_control.now()
    app.resources.vm_action(actor=OPERATOR, vm="web-01", action=VmAction.START)
    open_spans = [s for s in spans_of(app, prod.subscription_id) if s.end is None]
    assert open_spans and all(s.start >= reactivated for s in open_spans)
    app.clock_control.advance(timedelta(hours=10))
    lines = app.billing.estimate(actor=OPERATOR, ref="Productie").lines
    web = [item for item in lines if item.meter == "vm/Standard_B2s"]
    assert sum(item.quantity for item in web) == Decimal("58.000000")  # 48 h before cancel + 10 h after reactivation
    db = [item for item in lines if item.meter == "vm/Standard_D2s_v5"]
    assert sum(item.quantity for item in db) == Decimal("48.000000")  # still deallocated


def test_storage_capacity_follows_the_bytes_and_unknown_sizes_are_refused(demo_app):
    app = demo_app
    prod = sub_named(app, "Productie")
    before = [s for s in spans_of(app, prod.subscription_id) if s.meter.startswith("storage/") and s.end is None]
    app.clock_control.advance(timedelta(minutes=5))
    app.blobs.put(actor=OPERATOR, account="contosodata", container="backups", name="big.bin", data=b"x" * 4096)
    after = [s for s in spans_of(app, prod.subscription_id) if s.meter.startswith("storage/") and s.end is None]
    assert after[0].quantity == before[0].quantity + 4096
    with pytest.raises(InvalidInput) as refused:
        app.resources.create_vm(actor=OPERATOR, subscription="Productie", group="productie-rg", name="odd",
                                size="Standard_Z99")
    assert refused.value.code == "UnknownMeter"
    assert not [r for r in app.resources.list(actor=OPERATOR, subscription="Productie") if r.name.startswith("odd")]


def test_a_blob_change_reconciles_only_its_account_and_agrees_with_a_full_sync(demo_app):
    app = demo_app
    prod = sub_named(app, "Productie")
    others_before = [s for s in spans_of(app, prod.subscription_id) if not s.meter.startswith("storage/")]
    app.clock_control.advance(timedelta(minutes=5))
    app.blobs.put(actor=OPERATOR, account="contosodata", container="backups", name="a.bin", data=b"x" * 1000)
    app.blobs.put(actor=OPERATOR, account="contosodata", container="backups", name="a.bin", data=b"y" * 300)
    app.blobs.delete(actor=OPERATOR, account="contosodata", container="backups", name="a.bin")
    app.blobs.put(actor=OPERATOR, account="contosodata", container="backups", name="b.bin", data=b"z" * 70)
    with app.uow(read_only=True) as uow:
        stored = uow.billing.stored_bytes(prod.subscription_id)
    spans = spans_of(app, prod.subscription_id)
    storage_open = [s for s in spans if s.meter.startswith("storage/") and s.end is None]
    assert len(storage_open) == 1 and storage_open[0].quantity == stored[storage_open[0].resource_id.lower()]
    assert [s for s in spans if not s.meter.startswith("storage/")] == others_before  # nothing else was touched
    with app.uow() as uow:  # what the full reconciliation would change now: nothing
        app.metering.sync(uow, prod.subscription_id)
    assert spans_of(app, prod.subscription_id) == spans


def test_dutch_invoice_pdf_reads_as_a_dutch_invoice(demo_app):
    app = demo_app
    app.clock_control.advance(timedelta(days=32))
    invoice, = invoices_of(app, "Productie")
    text = PdfReader(io.BytesIO(app.billing.invoice_pdf(actor=OPERATOR, ref=invoice.invoice_number))).pages[0].extract_text()
    assert "Factuur" in text and "Btw" in text and "Totaal" in text
    whole, cents = f"{invoice.total:.2f}".split(".")
    assert f"€\xa0{int(whole):,}".replace(",", ".") + f",{cents}" in text.replace(" ", "\xa0")


def test_support_plan_is_billed_per_started_month(demo_app):
    app = demo_app
    app.billing.set_support_plan(actor=OPERATOR, ref="Ontwikkeling", plan="Developer")
    app.clock_control.advance(timedelta(days=3))
    app.subscriptions.cancel(actor=OPERATOR, ref="Ontwikkeling", reason="klaar")
    app.clock_control.advance(timedelta(days=40))
    invoice, = invoices_of(app, "Ontwikkeling")
    assert [(item.meter, item.quantity, item.amount) for item in invoice.lines] == [
        ("support/Developer", Decimal("1.000000"), Decimal("27.00"))]


def test_preview_after_a_reactivation_estimates_from_now_not_the_old_cancel(demo_app):
    app = demo_app
    app.clock_control.advance(timedelta(days=1))
    app.subscriptions.cancel(actor=OPERATOR, ref="Productie", reason="x", turn_off_resources=True)
    app.subscriptions.reactivate(actor=OPERATOR, ref="Productie")
    app.resources.vm_action(actor=OPERATOR, vm="web-01", action=VmAction.START)
    app.clock_control.advance(timedelta(days=2))
    preview = app.billing.preview_cancel(actor=OPERATOR, ref="Productie").estimate
    estimate = app.billing.estimate(actor=OPERATOR, ref="Productie")
    assert preview.charges == estimate.charges > Decimal("0") and preview.total == estimate.total


def test_usage_rows_of_each_invoice_period_sum_to_its_subtotal(demo_app):
    app = demo_app
    app.clock_control.advance(timedelta(days=33, hours=5, minutes=7))
    app.billing.switch_offer(actor=OPERATOR, ref="Productie", target_offer="MS-AZR-0023P")  # a mid-day window edge
    vm = next(r for r in app.resources.list(actor=OPERATOR, subscription="Productie") if r.type.name == "VIRTUAL_MACHINE")
    app.resources.vm_action(actor=OPERATOR, vm=vm.resource_id, action=VmAction.DEALLOCATE)
    app.clock_control.advance(timedelta(days=33, hours=1))
    invoices = invoices_of(app, "Productie")
    assert len(invoices) == 3  # the first period, the switch day, the period after it
    rows = app.billing.usage(actor=OPERATOR, ref="Productie", start=min(i.period_start for i in invoices))
    for invoice in invoices:
        mine = [r for r in rows if invoice.period_start <= r["from"] < invoice.period_end]
        assert mine and sum(Decimal(r["amount"]) for r in mine) == invoice.subtotal, invoice.invoice_number


def test_a_plan_bought_at_the_cancel_instant_is_covered_by_credit_in_the_preview_as_on_the_invoice(demo_app):
    app = demo_app
    app.billing.set_support_plan(actor=OPERATOR, ref="Proefversie", plan="Developer")
    preview = app.billing.preview_cancel(actor=OPERATOR, ref="Proefversie").estimate
    result = app.subscriptions.cancel(actor=OPERATOR, ref="Proefversie", reason="x", turn_off_resources=True)
    app.clock_control.advance(timedelta(days=40))
    invoice, = invoices_of(app, result.subscription.subscription_id)  # purged at day 30: its name is forgotten
    assert invoice.credits == Decimal("27.00")  # the trial's credit covers the plan's month
    assert result.billing == preview
    assert (preview.charges, preview.credits, preview.total) == (invoice.subtotal, invoice.credits, invoice.total)


def test_a_reactivated_support_plan_resumes_after_its_paid_month_and_is_never_charged_twice(demo_app):
    app = demo_app
    admin = app.directory.principal("admin@contoso.example")
    app.clock_control.advance(timedelta(days=2))
    app.billing.set_support_plan(actor=admin, ref="Productie", plan="Developer")  # month 1 starts now, in full
    app.clock_control.advance(timedelta(days=3))
    app.subscriptions.cancel(actor=admin, ref="Productie", reason="tijdelijk", turn_off_resources=True,
                             support_auto_renew=True)
    app.clock_control.advance(timedelta(days=5))
    app.subscriptions.reactivate(actor=admin, ref="Productie")  # still inside the plan's paid month
    app.clock_control.advance(timedelta(days=60))  # past the second period's invoice date
    first, second = invoices_of(app, "Productie")[:2]

    def support(invoice):
        return [line.amount for line in invoice.lines if line.meter.startswith("support/")]

    assert support(first) == [Decimal("27.00")]  # bought once, cancelled and reactivated: one month
    assert support(second) == [Decimal("27.00")]  # the next month, from the plan's own anniversary


def test_paid_through_is_the_end_of_the_last_charged_month():
    from subplane.domain.metering import Span
    from tests.unit.billing.test_billing_domain import at

    def plan(start, end):
        return Span("s", "/support", "support/Developer", 1, start, end)

    assert rules.paid_through(plan(at(2026, 1, 10), at(2026, 1, 15))) == at(2026, 2, 10)
    assert rules.paid_through(plan(at(2026, 1, 10), at(2026, 1, 10))) == at(2026, 2, 10)  # bought and ended at once
    assert rules.paid_through(plan(at(2026, 1, 10), at(2026, 2, 11))) == at(2026, 3, 10)  # two months started
    assert rules.paid_through(plan(at(2026, 2, 10), at(2026, 1, 20))) == at(2026, 2, 10)  # never began
    assert rules.month_steps(plan(at(2026, 2, 10), at(2026, 1, 20)), at(2026, 1, 1), at(2026, 4, 1)) == []


def test_without_a_payment_method_only_credit_offers_can_be_signed_up_for(demo_app):
    app = demo_app
    admin = app.directory.principal("admin@contoso.example")
    account = sub_named(app, "Productie").billing_account_id
    app.billing.set_card(actor=admin, account="Contoso", fails=None, remove=True)
    assert app.billing.set_card(actor=admin, account="Contoso", fails=None).has_card is False
    with pytest.raises(Conflict) as refused:
        app.subscriptions.create(actor=admin, display_name="Zonder kaart", billing_account_id="Contoso",
                                 offer_id="MS-AZR-0003P")
    assert refused.value.code == "PaymentMethodRequired"
    assert "Zonder kaart" not in {s.display_name for s in app.subscriptions.list(actor=OPERATOR)}
    trial = app.subscriptions.create(actor=admin, display_name="Proef 2", billing_account_id=account,
                                     offer_id="MS-AZR-0044P")
    assert trial.state is State.ENABLED  # a credit offer starts on its credit

    prod = sub_named(app, "Productie")  # no card: the invoice is not paid on its due date
    due = rules.first_period(prod.created_at, prod.created_at.day).end + timedelta(days=10)
    app.clock_control.advance(due + timedelta(days=1) - app.clock_control.now())
    assert sub_named(app, "Productie").state is State.PAST_DUE
    with pytest.raises(Conflict) as no_card:
        app.billing.pay(actor=admin, invoice=invoices_of(app, "Productie")[0].invoice_number)
    assert no_card.value.code == "NoPaymentMethod"
    with pytest.raises(InvalidInput):
        app.billing.set_card(actor=admin, account="Contoso", fails=False)  # a card needs a label to exist
    app.billing.set_card(actor=admin, account="Contoso", fails=None, label="Mastercard **** 5454")
    app.billing.pay(actor=admin, invoice=invoices_of(app, "Productie")[0].invoice_number)
    assert sub_named(app, "Productie").state is State.ENABLED
    _, log = app.subscriptions.activity(actor=admin, ref="Productie")
    assert next(e["actor"] for e in log if e["action"] == "settle") == "admin@contoso.example"  # who paid, not "system"
