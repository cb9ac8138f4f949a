"""Hypothesis over the real services: random cancels, reactivations and VM power changes, then invoices.

The model in the test counts the seconds a VM was running while its subscription was billable; the
invoices must bill exactly that (to the microsecond in quantity), never a second of a disabled period,
and issuing again must not add an invoice.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subplane.domain.access import OPERATOR
from subplane.domain.errors import DomainError
from subplane.domain.resources import VmAction

STEPS = st.lists(st.tuples(st.sampled_from(["wait", "cancel", "reactivate", "stop", "start"]),
                           st.integers(min_value=1, max_value=6 * 86400)), min_size=1, max_size=8)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_invoices_bill_exactly_the_running_seconds_of_billable_periods(demo_app, steps):
    app = demo_app
    account = app.subscriptions.get(actor=OPERATOR, ref="Productie").billing_account_id
    sub = app.subscriptions.create(actor=OPERATOR, display_name=f"prop-{len(app.subscriptions.list(actor=OPERATOR))}",
                                   billing_account_id=account, offer_id="MS-AZR-0003P")
    app.resources.create_group(actor=OPERATOR, subscription=sub.subscription_id, name="rg", location="westeurope")
    vm = app.resources.create_vm(actor=OPERATOR, subscription=sub.subscription_id, group="rg", name="vm",
                                 size="Standard_B1s", public_ip=None)
    enabled, running, billed_seconds = True, True, 0
    disabled_since, disabled = None, []
    for action, seconds in steps:
        try:
            if action == "cancel":
                app.subscriptions.cancel(actor=OPERATOR, ref=sub.subscription_id, reason="p", turn_off_resources=True)
                if enabled:
                    enabled, running, disabled_since = False, False, app.clock_control.now()
            elif action == "reactivate":
                app.subscriptions.reactivate(actor=OPERATOR, ref=sub.subscription_id)
                if not enabled:
                    disabled.append((disabled_since, app.clock_control.now()))
                enabled = True
            elif action in ("stop", "start"):
                app.resources.vm_action(actor=OPERATOR, vm=vm.resource_id,
                                        action=VmAction.DEALLOCATE if action == "stop" else VmAction.START)
                running = action == "start"
        except DomainError:
            assert not enabled and action in ("stop", "start")  # writes are refused while disabled
        app.clock_control.advance(timedelta(seconds=seconds))
        billed_seconds += seconds if enabled and running else 0
    if not enabled:
        disabled.append((disabled_since, None))
    app.subscriptions.cancel(actor=OPERATOR, ref=sub.subscription_id, reason="end", turn_off_resources=True)
    app.clock_control.advance(timedelta(days=70))

    invoices = [app.billing.get_invoice(actor=OPERATOR, ref=i.invoice_id)
                for i in app.billing.list_invoices(actor=OPERATOR, subscription=sub.subscription_id)]
    hours = sum((line.quantity for i in invoices for line in i.lines if line.meter == "vm/Standard_B1s"), Decimal(0))
    assert abs(hours * 3600 - billed_seconds) <= Decimal("0.0036") * len(invoices)  # 6-decimal display of hours
    for invoice in invoices:
        assert invoice.total == invoice.subtotal - invoice.credits + invoice.tax
    with app.uow() as uow:
        spans = uow.billing.spans_between(sub.created_at, uow.now, [sub.subscription_id])
        for span in spans:
            assert span.end is not None
            assert all(not (span.start < (until or span.end) and since < span.end) for since, until in disabled)
        count = len(invoices)
        app.billing.invoicing.issue_due(uow)
    assert len(app.billing.list_invoices(actor=OPERATOR, subscription=sub.subscription_id)) == count
