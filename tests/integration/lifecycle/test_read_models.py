"""The read models the portal renders, asked of the services that own the data (on SQLite and PostgreSQL):
a principal's standing, the billing account's language, a user's display name, the lifecycle actions a
person may take, and the payment notice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from subplane.domain.access import OPERATOR, Role
from subplane.domain.errors import Forbidden
from subplane.domain.lifecycle import LifecycleAction, Reason, State


def _user(app, name: str):
    return app.directory.principal(f"{name}@contoso.example")


def _outsider(app):
    sub = app.subscriptions.get(actor=OPERATOR, ref="Productie")
    with app.uow() as uow:
        app.directory.create_user(uow, tenant_id=sub.tenant_id, upn="nobody@contoso.example", display_name="Niemand",
                                  password="Niemand-2026-geheim")
    return _user(app, "nobody")


def test_standing_names_the_roles_and_the_billing_account(demo_app):
    admin, reader = _user(demo_app, "admin"), _user(demo_app, "reader")
    standing = demo_app.subscriptions.standing(actor=admin, ref="Productie")
    assert standing.roles[0] == "AccountAdministrator"
    assert (standing.account_name, standing.account_currency, standing.account_language) == ("Contoso", "EUR", "nl")
    assert demo_app.subscriptions.standing(actor=reader, ref="Productie").roles == [Role.READER.value]


def test_the_list_with_standing_is_the_list_each_with_its_standing(demo_app):
    owner = _user(demo_app, "owner")
    rows = demo_app.subscriptions.list_with_standing(actor=owner)
    assert [s for s, _ in rows] == demo_app.subscriptions.list(actor=owner) and rows
    for sub, standing in rows:
        assert standing == demo_app.subscriptions.standing(actor=owner, ref=sub.subscription_id)


def test_standing_is_refused_to_whoever_does_not_see_the_subscription(demo_app):
    with pytest.raises(Forbidden):
        demo_app.subscriptions.standing(actor=_outsider(demo_app), ref="Productie")


def test_the_billing_language_is_the_first_visible_subscriptions_account(demo_app):
    assert demo_app.subscriptions.billing_language(actor=_user(demo_app, "reader")) == "nl"
    assert demo_app.subscriptions.billing_language(actor=_outsider(demo_app)) is None  # sees no subscription


def test_the_display_name_of_a_user_in_any_case_or_the_name_itself(demo_app):
    assert demo_app.directory.display_name("ADMIN@Contoso.example") == "Anna de Vries"
    assert demo_app.directory.display_name("ghost@contoso.example") == "ghost@contoso.example"


def test_lifecycle_actions_are_permitted_and_possible_in_the_state(demo_app):
    admin, reader = _user(demo_app, "admin"), _user(demo_app, "reader")
    may = demo_app.subscriptions.lifecycle_actions(actor=admin, ref="Productie")
    assert may[LifecycleAction.CANCEL] and may[LifecycleAction.RENAME] and not may[LifecycleAction.REACTIVATE]
    assert not any(demo_app.subscriptions.lifecycle_actions(actor=reader, ref="Productie").values())
    demo_app.subscriptions.cancel(actor=admin, ref="Productie", reason="Niet meer nodig", turn_off_resources=True)
    after = demo_app.subscriptions.lifecycle_actions(actor=admin, ref="Productie")
    assert after[LifecycleAction.REACTIVATE] and not after[LifecycleAction.CANCEL]


def test_the_payment_notice_of_a_past_due_account(demo_app):
    app = demo_app
    admin, reader = _user(app, "admin"), _user(app, "reader")
    assert app.billing.payment_notice(actor=admin, ref="Productie") is None  # in good standing
    prod = app.subscriptions.get(actor=OPERATOR, ref="Productie")
    app.billing.set_card(actor=OPERATOR, account=prod.billing_account_id, fails=True)
    app.clock_control.advance(timedelta(days=45))  # past the first invoice's due date
    owed, = app.billing.list_invoices(actor=OPERATOR, subscription=prod.subscription_id)
    # past due is per account: Ontwikkeling, without an invoice of its own, tells the account's balance
    notice = app.billing.payment_notice(actor=admin, ref="Ontwikkeling")
    assert notice.reason is State.PAST_DUE and notice.currency == "EUR"
    assert notice.open_total == owed.total
    assert notice.disabled_on == owed.due_date + timedelta(days=app.billing.prices.grace_period_days)
    assert notice.may_settle is True
    assert app.billing.payment_notice(actor=reader, ref="Productie").may_settle is False
    app.billing.settle(actor=admin, account=prod.billing_account_id)
    assert app.billing.payment_notice(actor=admin, ref="Productie") is None


def test_the_payment_notice_of_a_subscription_disabled_for_non_payment_has_no_day(demo_app):
    app = demo_app
    prod = app.subscriptions.get(actor=OPERATOR, ref="Productie")
    app.billing.set_card(actor=OPERATOR, account=prod.billing_account_id, fails=True)
    app.clock_control.advance(timedelta(days=45 + app.billing.prices.grace_period_days))
    assert app.subscriptions.get(actor=OPERATOR, ref="Productie").state_reason is Reason.NON_PAYMENT
    notice = app.billing.payment_notice(actor=_user(app, "admin"), ref="Productie")
    assert notice.reason is Reason.NON_PAYMENT and notice.disabled_on is None and notice.open_total > 0
