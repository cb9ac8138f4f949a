"""Warned (credit nearly used, payment overdue soon) and the renewing credit of Visual Studio Enterprise,
through the services with the simulated clock, on SQLite and PostgreSQL (lifecycle.md §2)."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

import pytest

from subplane.domain import billing as rules
from subplane.domain.access import OPERATOR
from subplane.domain.errors import Conflict, Forbidden
from subplane.domain.lifecycle import Reason, State
from subplane.domain.resources import PowerState, ResourceType, VmAction
from subplane.services.metering import CREDIT_RENEWAL

VS_ENTERPRISE = "MS-AZR-0063P"
LIFECYCLE = {"warnCreditNearlyUsed", "clearWarning", "reachSpendingLimit", "expireCredit", "renewCredit"}


def state_of(app, ref):
    sub = app.subscriptions.get(actor=OPERATOR, ref=ref)
    return sub.state, sub.state_reason


def actions_logged(app, ref):
    _, entries = app.subscriptions.activity(actor=OPERATOR, ref=ref)
    return [e["action"] for e in reversed(entries) if e["outcome"] == "Succeeded"]


def visual_studio_with_two_big_vms(app):
    """150 a period at 2 x 0.212/h: 90% used after ~13.3 days, all of it after ~14.7 days."""
    account = app.subscriptions.get(actor=OPERATOR, ref="Productie").billing_account_id
    sub = app.subscriptions.create(actor=OPERATOR, display_name="VS", billing_account_id=account, offer_id=VS_ENTERPRISE)
    app.resources.create_group(actor=OPERATOR, subscription="VS", name="rg", location="westeurope")
    for n in range(2):
        app.resources.create_vm(actor=OPERATOR, subscription="VS", group="rg", name=f"big-{n}", size="Standard_D4s_v5",
                                public_ip=None)
    app.resources.create_storage_account(actor=OPERATOR, subscription="VS", group="rg", name="vsdata")
    return sub


def test_renewing_credit_warns_disables_and_comes_back_at_the_next_billing_period(demo_app):
    app = demo_app
    sub = visual_studio_with_two_big_vms(app)
    app.clock_control.advance(timedelta(days=13, hours=12))
    assert state_of(app, "VS") == (State.WARNED, Reason.CREDIT_NEARLY_USED)
    app.resources.create_public_ip(actor=OPERATOR, subscription="VS", group="rg", name="ip")  # writes still allowed
    app.clock_control.advance(timedelta(days=1, hours=12))
    assert state_of(app, "VS") == (State.DISABLED, Reason.SPENDING_LIMIT_REACHED)

    period = rules.first_period(sub.created_at, sub.created_at.day)
    app.clock_control.advance(period.end - app.clock_control.now() - timedelta(seconds=1))
    assert state_of(app, "VS") == (State.DISABLED, Reason.SPENDING_LIMIT_REACHED)
    app.clock_control.advance(timedelta(seconds=1))  # a new billing period brings the credit back
    assert state_of(app, "VS") == (State.ENABLED, None)
    resources = app.resources.list(actor=OPERATOR, subscription="VS")
    assert all(r.power_state is PowerState.DEALLOCATED for r in resources if r.type is ResourceType.VIRTUAL_MACHINE)
    assert not any(r.read_only for r in resources if r.type is ResourceType.STORAGE_ACCOUNT)
    estimate = app.billing.estimate(actor=OPERATOR, ref="VS")
    assert estimate.period_start == period.end and estimate.credits_remaining == Decimal("150")
    invoice, = app.billing.list_invoices(actor=OPERATOR, subscription="VS")
    assert invoice.period_start == period.start and invoice.credits == Decimal("150.00")
    assert [a for a in actions_logged(app, "VS") if a in LIFECYCLE] == [
        "warnCreditNearlyUsed", "reachSpendingLimit", "renewCredit"]

    with app.uow() as uow:  # the renewal job running again changes nothing
        app.billing.invoicing.renew_credit(uow, sub.subscription_id)
    assert actions_logged(app, "VS").count("renewCredit") == 1
    with app.uow(read_only=True) as uow:
        assert [j["due_at"] for j in uow.jobs.list(subject=sub.subscription_id)
                if j["kind"] == CREDIT_RENEWAL and j["status"] == "pending"] == [
            rules.next_boundary(period.end, period.start.day)]

    vm = next(r for r in resources if r.type is ResourceType.VIRTUAL_MACHINE)
    app.resources.vm_action(actor=OPERATOR, vm=vm.resource_id, action=VmAction.START)  # billing resumes
    app.clock_control.advance(timedelta(days=2))
    assert app.billing.estimate(actor=OPERATOR, ref="VS").credits_remaining < Decimal("150")


def test_free_trial_credit_does_not_come_back_at_a_new_period(demo_app):
    app = demo_app
    for n in range(5):
        app.resources.create_vm(actor=OPERATOR, subscription="Proefversie", group="proef-rg", name=f"groot-{n}",
                                size="Standard_D4s_v5", public_ip=None)
    app.clock_control.advance(timedelta(days=10))
    assert state_of(app, "Proefversie") == (State.DISABLED, Reason.SPENDING_LIMIT_REACHED)
    app.clock_control.advance(timedelta(days=45))  # past the first period's end and the credit's 30 days
    assert state_of(app, "Proefversie") == (State.DISABLED, Reason.SPENDING_LIMIT_REACHED)
    assert "renewCredit" not in actions_logged(app, "Proefversie")
    assert app.billing.estimate(actor=OPERATOR, ref="Proefversie").credits_remaining == Decimal("0.00")


def test_credit_nearly_used_then_upgrade_clears_the_warning(demo_app):
    app = demo_app
    for n in range(5):
        app.resources.create_vm(actor=OPERATOR, subscription="Proefversie", group="proef-rg", name=f"groot-{n}",
                                size="Standard_D4s_v5", public_ip=None)
    app.clock_control.advance(timedelta(days=7))
    assert state_of(app, "Proefversie") == (State.WARNED, Reason.CREDIT_NEARLY_USED)
    left = app.billing.estimate(actor=OPERATOR, ref="Proefversie").credits_remaining
    assert Decimal("0") < left <= Decimal("20")  # 90% of 200 used
    upgraded = app.billing.upgrade(actor=OPERATOR, ref="Proefversie")
    assert (upgraded.state, upgraded.offer_id) == (State.ENABLED, "MS-AZR-0003P")
    app.clock_control.advance(timedelta(days=5))  # no spending limit any more: billing just goes on
    assert state_of(app, "Proefversie") == (State.ENABLED, None)


def test_payment_overdue_soon_warns_and_a_working_card_clears_it(demo_app):
    app = demo_app
    prod = app.subscriptions.get(actor=OPERATOR, ref="Productie")
    app.billing.set_card(actor=OPERATOR, account=prod.billing_account_id, fails=True)
    due = rules.first_period(prod.created_at, prod.created_at.day).end + timedelta(days=10)
    app.clock_control.advance(due - timedelta(days=3, seconds=1) - app.clock_control.now())
    assert state_of(app, "Productie") == (State.ENABLED, None)
    app.clock_control.advance(timedelta(seconds=1))  # the warning window (3 days, data) begins
    assert state_of(app, "Productie") == (State.WARNED, Reason.PAYMENT_OVERDUE_SOON)
    assert state_of(app, "Ontwikkeling")[0] is State.WARNED  # the account's subscriptions, like past due
    app.billing.set_card(actor=OPERATOR, account=prod.billing_account_id, fails=False)
    assert state_of(app, "Productie") == (State.ENABLED, None)
    app.clock_control.advance(timedelta(days=4))
    assert {i.status for i in app.billing.list_invoices(actor=OPERATOR, subscription="Productie")} == {"Paid"}
    assert state_of(app, "Productie") == (State.ENABLED, None)


def test_cancel_and_reactivate_from_warned(demo_app):
    app = demo_app
    prod = app.subscriptions.get(actor=OPERATOR, ref="Productie")
    app.billing.set_card(actor=OPERATOR, account=prod.billing_account_id, fails=True)
    app.clock_control.advance(timedelta(days=38))
    assert state_of(app, "Productie")[0] is State.WARNED
    result = app.subscriptions.cancel(actor=OPERATOR, ref="Productie", reason="te duur", turn_off_resources=True)
    assert (result.subscription.state, result.subscription.state_reason) == (State.DISABLED, Reason.CANCELLED)
    reactivated = app.subscriptions.reactivate(actor=OPERATOR, ref="Productie")
    assert reactivated.state is State.ENABLED


def test_a_cleared_warning_sends_no_enabled_again_message():
    from subplane.services.notification_texts import message_kind

    event = "Subplane.Subscription.StateChanged"
    assert message_kind(event, {"state": "Enabled", "previousState": "Warned"}) is None
    assert message_kind(event, {"state": "Enabled", "previousState": "Disabled"}) == "subscriptionEnabled"


def test_the_portal_names_warned_states_in_both_languages():
    from datetime import datetime

    from subplane.domain.lifecycle import Subscription
    from subplane.portal.i18n import translations
    from subplane.portal.labels import state_text

    warned = Subscription("s", "Productie", "t", "b", "MS-AZR-0044P", State.WARNED, Reason.CREDIT_NEARLY_USED,
                          datetime(2026, 1, 1, tzinfo=UTC))
    assert state_text(warned, translations("nl").gettext) == "Gewaarschuwd / tegoed bijna op"
    assert state_text(warned, translations("en").gettext) == "Warned / credit nearly used"


def test_removing_the_spending_limit_enables_again_and_bills_beyond_the_credit(demo_app):
    app = demo_app
    sub = visual_studio_with_two_big_vms(app)
    app.clock_control.advance(timedelta(days=15))
    assert state_of(app, "VS") == (State.DISABLED, Reason.SPENDING_LIMIT_REACHED)
    with pytest.raises(Forbidden):
        app.billing.remove_spending_limit(actor=app.directory.principal("reader@contoso.example"), ref="VS")
    enabled = app.billing.remove_spending_limit(actor=OPERATOR, ref="VS")
    assert (enabled.state, enabled.state_reason) == (State.ENABLED, None)
    app.billing.remove_spending_limit(actor=OPERATOR, ref="VS")  # again: nothing changes, nothing recorded
    assert [a for a in actions_logged(app, "VS") if a in LIFECYCLE | {"liftSpendingLimit"}][-1] == "liftSpendingLimit"
    assert actions_logged(app, "VS").count("billing.removeSpendingLimit") == 1
    for vm in app.resources.list(actor=OPERATOR, subscription="VS"):
        if vm.type is ResourceType.VIRTUAL_MACHINE:
            app.resources.vm_action(actor=OPERATOR, vm=vm.resource_id, action=VmAction.START)
    app.clock_control.advance(timedelta(days=50))  # credit used up again and again: no limit stops it
    assert state_of(app, "VS") == (State.ENABLED, None)
    first, second = sorted(app.billing.list_invoices(actor=OPERATOR, subscription="VS"), key=lambda i: i.period_start)
    assert second.credits == Decimal("150.00") and second.subtotal > Decimal("150.00") and second.total > 0

    with pytest.raises(Conflict) as refused:
        app.billing.remove_spending_limit(actor=OPERATOR, ref="Proefversie")
    assert refused.value.code == "SpendingLimitNotRemovable" and "upgrade" in refused.value.message
    assert sub.offer_id == VS_ENTERPRISE
