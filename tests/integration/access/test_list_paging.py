"""GET /subscriptions' keyset paging and its access rule in SQL, on SQLite and PostgreSQL (issue 14).

Paging: every subscription exactly once across pages, in the order the list always had (display name,
then id), and stable when subscriptions are added between pages. Access: a principal's pages hold exactly
the subscriptions the domain's rule (``SubscriptionReach``) lets it see: a role in the subscription (at it
or inside it), a role at a management group above it or at the tenant root group (not once deleted), and
the billing accounts it administers.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from subplane.domain.access import OPERATOR, Role
from subplane.domain.lifecycle import State, Subscription
from subplane.services.access import reach

OFFER = "MS-AZR-0003P"


def _account(app) -> str:
    return app.subscriptions.get(actor=OPERATOR, ref="Ontwikkeling").billing_account_id


def _service_principal(app, name: str):
    with app.uow() as uow:
        tenant = uow.subscriptions.find_by_name("Productie")[0].tenant_id
        app.directory.create_service_principal(uow, tenant_id=tenant, name=name, secret="Paging-secret-2026")
    return app.directory.principal(name)


def _create(app, name: str, owner=None) -> Subscription:
    return app.subscriptions.create(actor=OPERATOR, display_name=name, billing_account_id=_account(app),
                                    offer_id=OFFER, owner_id=owner.principal_id if owner else None)


def _walk(app, actor, limit: int) -> list[Subscription]:
    found: list[Subscription] = []
    while True:
        after = (found[-1].display_name, found[-1].subscription_id) if found else None
        page = app.subscriptions.page(actor=actor, after=after, limit=limit)
        assert len(page) <= limit
        found += page
        if len(page) < limit:
            return found


@pytest.fixture
def platform(demo_app):
    """A service principal owning 13 subscriptions, several of them sharing a display name."""
    owner = _service_principal(demo_app, "platform-team")
    names = ["vended-b", "vended-a", "vended-c", "vended-a", "vended-b", "Vended-A", "vended-a", "z", "a",
             "vended-d", "vended-e", "vended-f", "vended-a"]
    owned = [_create(demo_app, name, owner) for name in names]
    _create(demo_app, "someone-elses")  # owned by the account administrator, not the platform team
    return owner, owned


def test_every_subscription_once_across_pages_in_the_lists_order(demo_app, platform):
    owner, owned = platform
    with demo_app.uow(read_only=True) as uow:  # the order the list always had (the database's collation, then id)
        expected = uow.subscriptions.list(ids=[s.subscription_id for s in owned])
    assert demo_app.subscriptions.list(actor=owner) == expected
    for limit in (1, 2, 3, 5, 13, 14, 100):
        walked = _walk(demo_app, owner, limit)
        assert [s.subscription_id for s in walked] == [s.subscription_id for s in expected], limit


def test_a_walk_is_stable_when_subscriptions_are_added_between_pages(demo_app, platform):
    owner, owned = platform
    first = demo_app.subscriptions.page(actor=owner, limit=4)
    cursor = (first[-1].display_name, first[-1].subscription_id)
    earlier = _create(demo_app, "a", owner)  # sorts before the cursor: not in the rest of this walk
    later = _create(demo_app, "zz-new", owner)  # sorts after it: comes in a later page, once
    rest: list[Subscription] = []
    while True:
        after = (rest[-1].display_name, rest[-1].subscription_id) if rest else cursor
        page = demo_app.subscriptions.page(actor=owner, after=after, limit=4)
        rest += page
        if len(page) < 4:
            break
    walked = [s.subscription_id for s in first + rest]
    assert len(walked) == len(set(walked))
    assert set(walked) == {s.subscription_id for s in owned} | {later.subscription_id}
    assert earlier.subscription_id not in walked


def test_an_offset_skips_that_many_of_the_same_order(demo_app, platform):
    owner, owned = platform
    everything = demo_app.subscriptions.list(actor=owner)
    assert demo_app.subscriptions.page(actor=owner, offset=5, limit=3) == everything[5:8]
    assert demo_app.subscriptions.page(actor=owner, offset=len(everything), limit=3) == []


def test_a_principal_sees_exactly_what_its_roles_reach(demo_app, platform):
    owner, owned = platform
    app = demo_app
    sub_reader = _service_principal(app, "sub-reader")
    rg_reader = _service_principal(app, "rg-reader")
    group_reader = _service_principal(app, "group-reader")
    root_reader = _service_principal(app, "root-reader")
    nobody = _service_principal(app, "nobody")
    tenant = owned[0].tenant_id
    app.directory.assign_role(actor=OPERATOR, subscription=owned[0].subscription_id, principal_id=sub_reader.principal_id,
                              role=Role.READER)
    app.resources.create_group(actor=OPERATOR, subscription=owned[1].subscription_id, name="inner-rg",
                               location="westeurope")
    app.directory.assign_role(actor=OPERATOR, subscription=owned[1].subscription_id, principal_id=rg_reader.principal_id,
                              role=Role.READER, scope=f"{owned[1].resource_id}/resourceGroups/inner-rg")
    app.management_groups.put(actor=OPERATOR, group_id="Platform", display_name="Platform", parent_id=None)
    app.management_groups.put(actor=OPERATOR, group_id="platform-child", display_name="Child", parent_id="Platform")
    app.management_groups.put(actor=OPERATOR, group_id="elsewhere", display_name="Elsewhere", parent_id=None)
    app.management_groups.place(actor=OPERATOR, group_id="Platform", subscription_id=owned[2].subscription_id)
    app.management_groups.place(actor=OPERATOR, group_id="platform-child", subscription_id=owned[3].subscription_id)
    app.management_groups.place(actor=OPERATOR, group_id="elsewhere", subscription_id=owned[4].subscription_id)
    app.management_groups.assign(actor=OPERATOR, group_id="platform", assignment_id=str(uuid.uuid4()),
                                 principal_id=group_reader.principal_id, role=Role.READER)
    app.management_groups.assign(actor=OPERATOR, group_id=tenant, assignment_id=str(uuid.uuid4()),
                                 principal_id=root_reader.principal_id, role=Role.READER)
    app.management_groups.place(actor=OPERATOR, group_id="platform-child", subscription_id=owned[5].subscription_id)
    with app.uow() as uow:  # a purged subscription keeps its record; only its own roles still reach it
        uow.subscriptions.save(replace(uow.subscriptions.get(owned[5].subscription_id), state=State.DELETED))

    every = app.subscriptions.list(actor=OPERATOR)
    expected = {
        sub_reader: {owned[0].subscription_id},
        rg_reader: {owned[1].subscription_id},
        group_reader: {owned[2].subscription_id, owned[3].subscription_id},
        root_reader: {s.subscription_id for s in every if s.tenant_id == tenant and s.state is not State.DELETED},
        nobody: set(),
        owner: {s.subscription_id for s in owned},
    }
    for principal, wanted in expected.items():
        for limit in (2, 1000):
            assert {s.subscription_id for s in _walk(app, principal, limit)} == wanted, (principal.name, limit)
    _agrees_with_the_domain_rule(app, [*expected, OPERATOR])


def test_the_billing_account_administrator_sees_the_accounts_subscriptions(demo_app, platform):
    _, owned = platform
    with demo_app.uow(read_only=True) as uow:
        admin_id = uow.directory.get_billing_account(owned[0].billing_account_id).admin_user_id
        upn = next(u["user_principal_name"] for u in uow.directory.list_users() if u["user_id"] == admin_id)
    admin = demo_app.directory.principal(upn)
    seen = {s.subscription_id for s in _walk(demo_app, admin, 3)}
    on_account = {s.subscription_id for s in demo_app.subscriptions.list(actor=OPERATOR)
                  if s.billing_account_id == owned[0].billing_account_id}
    assert seen == on_account and {s.subscription_id for s in owned} <= seen
    _agrees_with_the_domain_rule(demo_app, [admin])


def _agrees_with_the_domain_rule(app, principals) -> None:
    """The SQL the adapter runs gives what ``SubscriptionReach.reaches`` says of each subscription."""
    with app.uow(read_only=True) as uow:
        every = uow.subscriptions.list()
        placements = uow.management_groups.placements([s.subscription_id for s in every])
        for principal in principals:
            rule = reach(uow, principal)
            assigned = {a.scope.split("/")[2].lower() for a in uow.directory.role_assignments(principal_id=principal.principal_id)}
            wanted = [s for s in every if rule.reaches(
                assigned_within=s.subscription_id in assigned, billing_account_id=s.billing_account_id,
                tenant_id=s.tenant_id, group_key=placements.get(s.subscription_id), deleted=s.state is State.DELETED)]
            assert uow.subscriptions.page(rule) == wanted, principal.name
            assert uow.subscriptions.reached_ids(rule) == {s.subscription_id for s in wanted}, principal.name
