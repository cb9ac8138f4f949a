"""Who may create subscriptions on a billing account (lifecycle §2 sign-up; alias PUT)."""

from __future__ import annotations

import pytest

from subplane.domain.access import (
    OPERATOR,
    BillingRole,
    Principal,
    PrincipalKind,
    authorize_create_subscription,
    may_create_subscription,
)
from subplane.domain.errors import Forbidden

APP = Principal("11111111-1111-1111-1111-111111111111", "ci-app", PrincipalKind.SERVICE_PRINCIPAL)


@pytest.mark.parametrize(("principal", "admin", "roles", "allowed"), [
    (APP, True, [], True),
    (APP, False, [BillingRole.OWNER.value], True),
    (APP, False, [BillingRole.SUBSCRIPTION_CREATOR.value], True),
    (APP, False, ["Owner", "BillingAccountReader"], False),
    (APP, False, [], False),
    (OPERATOR, False, [], True),
])
def test_account_admin_billing_owner_or_creator(principal, admin, roles, allowed):
    assert may_create_subscription(principal, is_account_admin=admin, billing_roles=roles) is allowed


def test_refusal_names_the_action_and_billing_scope():
    with pytest.raises(Forbidden) as refused:
        authorize_create_subscription(APP, is_account_admin=False, billing_roles=[], scope="/billingAccounts/x")
    assert refused.value.code == "AuthorizationFailed"
    assert refused.value.params["action"] == "Microsoft.Subscription/aliases/write"
    assert refused.value.params["scope"] == "/billingAccounts/x"
