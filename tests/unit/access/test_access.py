"""Who may do what (lifecycle.md §4), per offer policy."""

from __future__ import annotations

import pytest

from subplane.domain.access import (
    OPERATOR,
    ROLE_DEFINITION_IDS,
    AccessContext,
    Action,
    Principal,
    PrincipalKind,
    Role,
    authorize,
    is_allowed,
    scope_covers,
)
from subplane.domain.errors import Forbidden

USER = Principal("u1", "someone@contoso.example", PrincipalKind.USER)
LIFECYCLE = (Action.CANCEL, Action.REACTIVATE, Action.DELETE_SUBSCRIPTION)


def ctx(offers, offer_id="MS-AZR-0003P", roles=(), admin=False, principal=USER):
    return AccessContext(principal, frozenset(roles), admin, offers.get(offer_id))


def test_builtin_role_ids():
    assert ROLE_DEFINITION_IDS == {
        Role.OWNER: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        Role.CONTRIBUTOR: "b24988ac-6180-42a0-ab88-20f7382dd24c",
        Role.READER: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    }


@pytest.mark.parametrize("role", [Role.READER, Role.CONTRIBUTOR])
def test_readers_and_contributors_never_get_lifecycle_actions(offers, role):
    for action in (*LIFECYCLE, Action.SWITCH_OFFER):
        assert not is_allowed(ctx(offers, roles=[role]), action)
    assert is_allowed(ctx(offers, roles=[role]), Action.READ)
    assert is_allowed(ctx(offers, roles=[role]), Action.WRITE) is (role is Role.CONTRIBUTOR)
    assert not is_allowed(ctx(offers, roles=[role]), Action.ASSIGN_ROLES)


def test_owner_and_account_admin_cancel_pay_as_you_go(offers):
    for context in (ctx(offers, roles=[Role.OWNER]), ctx(offers, admin=True)):
        assert all(is_allowed(context, a) for a in LIFECYCLE)


def test_azure_plan_cancel_is_for_owners_only(offers):
    assert not is_allowed(ctx(offers, "MS-AZR-0017G", admin=True), Action.CANCEL)
    assert is_allowed(ctx(offers, "MS-AZR-0017G", roles=[Role.OWNER]), Action.CANCEL)


@pytest.mark.parametrize(("offer_id", "self_service"), [("MS-AZR-0003P", True), ("MS-AZR-0044P", False),
                                                        ("MS-AZR-0017P", False)])
def test_reactivation_is_self_service_only_where_the_offer_says_so(offers, offer_id, self_service):
    assert is_allowed(ctx(offers, offer_id, roles=[Role.OWNER]), Action.REACTIVATE) is self_service
    assert is_allowed(ctx(offers, offer_id, principal=OPERATOR), Action.REACTIVATE)


def test_switch_offer_is_for_the_account_admin(offers):
    assert is_allowed(ctx(offers, admin=True), Action.SWITCH_OFFER)
    assert not is_allowed(ctx(offers, roles=[Role.OWNER]), Action.SWITCH_OFFER)


def test_denial_names_action_and_scope(offers):
    with pytest.raises(Forbidden) as denied:
        authorize(ctx(offers, roles=[Role.READER]), Action.CANCEL, "/subscriptions/abc")
    assert denied.value.code == "AuthorizationFailed"
    assert "Microsoft.Subscription/cancel/action" in denied.value.message
    assert "/subscriptions/abc" in denied.value.message


@pytest.mark.parametrize(("outer", "inner", "covers"), [
    ("/subscriptions/A", "/subscriptions/a/resourceGroups/rg", True),
    ("/subscriptions/a/resourceGroups/RG", "/subscriptions/a/resourcegroups/rg/providers/x/y/z", True),
    ("/subscriptions/a/resourceGroups/rg", "/subscriptions/a/resourceGroups/rg2", False),
    ("/subscriptions/a/resourceGroups/rg", "/subscriptions/a", False),
])
def test_scopes_nest_case_insensitively(outer, inner, covers):
    assert scope_covers(outer, inner) is covers
