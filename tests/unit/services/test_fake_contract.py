"""The fakes answer as the real repositories do, for the calls the use cases make: each test runs the same
calls on the in-memory unit of work and on a real one (SQLite, PostgreSQL) and expects the same answers,
errors and row shapes. When a repository changes, this is where the fake is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import NoResultFound

from subplane.adapters.db.tables import activity as activity_table
from subplane.adapters.db.tables import due_jobs, outbox
from subplane.domain.access import Role, RoleAssignment
from subplane.domain.errors import Conflict, NotFound
from subplane.domain.events import DomainEvent
from subplane.domain.lifecycle import State
from subplane.domain.management_groups import HierarchySettings, ManagementGroup, root_of
from subplane.domain.resources import DISABLE_EFFECTS, ResourceType

from .fakes import fake_uow_factory
from .world import ACCOUNT, ADMIN, DYNAMIC_IP, NOW, OWNER, PROD, READER, RESOURCES, STATIC_IP, STORAGE, TENANT, TRIAL, VM, seed

pytestmark = pytest.mark.parametrize(("side", "database"), [("fake", "sqlite"), ("real", "sqlite"), ("real", "postgres")],
                                     indirect=True, ids=["fake", "sqlite", "postgres"])


@pytest.fixture
def side(request):
    return request.param


@pytest.fixture
def uows(side, database, request):
    """An empty store: the fake's, or a migrated database behind a real ``App.uow``."""
    if side == "fake":
        return fake_uow_factory(now=NOW)
    return request.getfixturevalue("app").uow


@pytest.fixture
def seeded(uows):
    with uows() as uow:
        seed(uow)
    return uows


def test_get_of_a_missing_subscription_is_not_found(uows):
    with uows(read_only=True) as uow, pytest.raises(NotFound) as missing:
        uow.subscriptions.get("00000000-0000-4000-8000-00000000dead", for_update=True)
    assert missing.value.code == "SubscriptionNotFound"
    assert missing.value.params == {"subscription_id": "00000000-0000-4000-8000-00000000dead"}
    assert missing.value.message == "The subscription '00000000-0000-4000-8000-00000000dead' could not be found."


def test_subscriptions_by_id_in_any_case_by_exact_name_and_listed_by_name(seeded):
    with seeded() as uow:
        subs = uow.subscriptions
        assert subs.get(PROD.subscription_id.upper()) == PROD
        assert subs.find_by_name("Productie") == [PROD]
        assert subs.find_by_name("productie") == []
        assert subs.list() == [PROD, TRIAL]  # by display name, then id
        assert subs.list(ids=[TRIAL.subscription_id.upper()]) == [TRIAL]
        assert subs.list(states=[State.DISABLED]) == []
        assert subs.list(billing_account_id=ACCOUNT.billing_account_id, tenant_id=TENANT) == [PROD, TRIAL]
        with pytest.raises(Conflict) as reused:
            subs.add(PROD)
        assert reused.value.code == "SubscriptionIdInUse"


def test_save_changes_the_stored_record_and_nothing_else(seeded):
    with seeded() as uow:
        uow.subscriptions.save(PROD.__class__(**{**PROD.__dict__, "display_name": "Hernoemd"}))
        uow.subscriptions.save(PROD.__class__(**{**PROD.__dict__, "subscription_id": "00000000-0000-4000-8000-0000000000ff"}))
    with seeded() as uow:
        assert [s.display_name for s in uow.subscriptions.list()] == ["Hernoemd", "Proef"]


def test_cancel_pending_cancels_only_pending_jobs_of_the_given_kinds_and_schedule_revives(uows):
    t1, t2 = NOW + timedelta(days=1), NOW + timedelta(days=2)
    with uows() as uow:
        uow.jobs.schedule(kind="a", subject="s", due_at=t2, payload={"n": 2})
        uow.jobs.schedule(kind="a", subject="s", due_at=t1, payload={"n": 1})
        uow.jobs.schedule(kind="b", subject="s", due_at=t1)
        uow.jobs.schedule(kind="a", subject="other", due_at=t1)
        assert uow.jobs.cancel_pending(subject="s", kinds=("a",)) == 2
        assert uow.jobs.cancel_pending(subject="s", kinds=("a", "c")) == 0  # cancelled ones are not pending
        uow.jobs.schedule(kind="a", subject="s", due_at=t1, payload={"n": 99})  # revived, its payload kept
        uow.jobs.schedule(kind="b", subject="s", due_at=t1)  # pending already: stored once
    with uows(read_only=True) as uow:
        listed = uow.jobs.list(subject="s")
        assert [(j["kind"], j["due_at"], j["status"], j["payload"], j["attempts"]) for j in listed] == [
            ("a", t1, "pending", {"n": 1}, 0), ("b", t1, "pending", {}, 0), ("a", t2, "cancelled", {"n": 2}, 0)]
        assert set(listed[0]) == {c.name for c in due_jobs.columns}
        assert [j["subject"] for j in uow.jobs.list(status="pending")] == ["s", "s", "other"]


def test_apply_effects_counts_per_effect_what_it_changed_and_stamps_it(seeded):
    with seeded() as uow:
        assert uow.resources.count(PROD.subscription_id) == len(RESOURCES)
        assert uow.resources.count(TRIAL.subscription_id) == 0
        assert uow.resources.list(PROD.subscription_id) == sorted(RESOURCES, key=lambda r: r.resource_id.lower())
        assert uow.resources.list(PROD.subscription_id, ResourceType.PUBLIC_IP) == sorted(
            [DYNAMIC_IP, STATIC_IP], key=lambda r: r.resource_id.lower())
        first = uow.resources.apply_effects(PROD.subscription_id, DISABLE_EFFECTS, "change-1")
        assert first == dict.fromkeys(DISABLE_EFFECTS, 1)  # the static IP keeps its address
        assert uow.resources.apply_effects(PROD.subscription_id, DISABLE_EFFECTS, "change-2") == dict.fromkeys(
            DISABLE_EFFECTS, 0)
        assert uow.resources.changed_by(PROD.subscription_id, "change-1") == {
            ResourceType.VIRTUAL_MACHINE: [VM.resource_id], ResourceType.PUBLIC_IP: [DYNAMIC_IP.resource_id],
            ResourceType.STORAGE_ACCOUNT: [STORAGE.resource_id]}
        assert uow.resources.changed_by(PROD.subscription_id, "change-2") == {}
        with pytest.raises(Conflict) as twice:
            uow.resources.add(VM)
        assert twice.value.code == "ResourceExists"


def test_activity_newest_first_and_the_last_success_of_an_action(seeded):
    with seeded() as uow:
        for n, outcome in enumerate(["Succeeded", "Succeeded", "Refused"]):
            uow.activity.record(instant=uow.now, actor=f"actor-{n}", action="cancel", outcome=outcome,
                                subscription_id=PROD.subscription_id, details={"n": n} if n else None)
        uow.activity.record(instant=uow.now, actor="x", action="rename", outcome="Succeeded",
                            subscription_id=TRIAL.subscription_id)
    with seeded(read_only=True) as uow:
        listed = uow.activity.list(subscription_id=PROD.subscription_id, limit=2)
        assert [(r["actor"], r["outcome"], r["details"]) for r in listed] == [("actor-2", "Refused", {"n": 2}),
                                                                              ("actor-1", "Succeeded", {"n": 1})]
        assert set(listed[0]) == {c.name for c in activity_table.columns}
        assert uow.activity.last_success(PROD.subscription_id, "cancel")["actor"] == "actor-1"
        assert uow.activity.last_success(PROD.subscription_id, "rename") is None
        assert [r["actor"] for r in uow.activity.list()] == ["x", "actor-2", "actor-1", "actor-0"]


def test_the_outbox_keeps_events_in_order(seeded):
    with seeded() as uow:
        now = uow.now
        uow.outbox.add(DomainEvent("first", PROD.resource_id, now, {"a": 1}, PROD.subscription_id))
        uow.emit(DomainEvent("second", TRIAL.resource_id, now, {}, TRIAL.subscription_id))
    with seeded(read_only=True) as uow:
        listed = uow.outbox.list()
        assert [(e["type"], e["subject"], e["subscription_id"], e["data"], e["instant"]) for e in listed] == [
            ("first", PROD.resource_id, PROD.subscription_id, {"a": 1}, now),
            ("second", TRIAL.resource_id, TRIAL.subscription_id, {}, now)]
        assert set(listed[0]) == {c.name for c in outbox.columns}
        assert [e["type"] for e in uow.outbox.list(subscription_id=TRIAL.subscription_id)] == ["second"]


def test_the_directory_finds_accounts_tenants_and_assignments(seeded):
    with seeded(read_only=True) as uow:
        directory = uow.directory
        assert directory.billing_account("Contoso") == ACCOUNT
        assert directory.billing_account(ACCOUNT.billing_account_id.upper()) == ACCOUNT
        with pytest.raises(NotFound) as missing:
            directory.get_billing_account("nope")
        assert missing.value.code == "BillingAccountNotFound"
        with pytest.raises(NotFound):
            directory.billing_account("Nobody")
        assert directory.principal_tenant(OWNER.principal_id.upper()) == TENANT
        assert directory.principal_tenant("00000000-0000-4000-8000-000000000000") is None
        assert directory.user_tenant(OWNER.principal_id) == TENANT
        with pytest.raises(NoResultFound):
            directory.user_tenant("00000000-0000-4000-8000-000000000000")
        assert directory.billing_accounts_administered_by(ADMIN.principal_id) == [ACCOUNT.billing_account_id]
        assert [(a.role, a.principal_id) for a in directory.role_assignments(subscription_id=PROD.subscription_id.upper())] \
            == [(Role.OWNER, OWNER.principal_id), (Role.READER, READER.principal_id)]
        assert [a.scope for a in directory.role_assignments(principal_id=OWNER.principal_id)] == [PROD.resource_id,
                                                                                                  TRIAL.resource_id]


def test_management_groups_settings_placements_and_the_way_back(seeded):
    with seeded() as uow:
        groups = uow.management_groups
        assert groups.find(TENANT, TENANT.upper()) == root_of(TENANT)
        assert groups.settings(TENANT) == HierarchySettings()
        assert groups.placement(PROD.subscription_id, TENANT) == TENANT
        assert groups.return_to(PROD.subscription_id) is None
        groups.insert(ManagementGroup("Decom", TENANT, "Decommissioned", TENANT), now=uow.now, by="test")
        groups.insert(ManagementGroup("Archive", TENANT, "Archive", "Decom"), now=uow.now, by="test")
        groups.save_settings(TENANT, HierarchySettings(decommission_group="Decom"))
        groups.add_assignment("a551a000-0000-4000-8000-0000000000a1", "Decom", Role.READER, READER.principal_id,
                              now=uow.now)
        groups.add_assignment("a551a000-0000-4000-8000-0000000000a2", TENANT, Role.OWNER, OWNER.principal_id,
                              now=uow.now)
        groups.place(PROD.subscription_id, "Decom", return_to=TENANT)
    with seeded(read_only=True) as uow:
        groups = uow.management_groups
        assert groups.settings(TENANT) == HierarchySettings(decommission_group="Decom")
        assert groups.find(TENANT, "decom") == ManagementGroup("Decom", TENANT, "Decommissioned", TENANT)
        assert groups.find("another-tenant", "Decom") is None
        assert groups.parents(TENANT) == {TENANT: None, "Archive": "Decom", "Decom": TENANT}
        assert groups.placement(PROD.subscription_id, TENANT) == "Decom"
        assert groups.return_to(PROD.subscription_id) == TENANT.lower()  # the stored key
        assert groups.placed_in(["DECOM", "Archive"]) == [PROD.subscription_id]
        assert groups.assignments(principal_id=READER.principal_id) == [
            RoleAssignment("a551a000-0000-4000-8000-0000000000a1", "/providers/Microsoft.Management/managementGroups/Decom",
                           Role.READER, READER.principal_id)]
        assert [a.scope for a in groups.assignments(group_ids=[TENANT])] == [
            f"/providers/Microsoft.Management/managementGroups/{TENANT.lower()}"]


def test_a_unit_of_work_that_raises_leaves_nothing_and_now_stands_still_inside_one(seeded):
    with pytest.raises(RuntimeError), seeded() as uow:
        uow.subscriptions.save(PROD.__class__(**{**PROD.__dict__, "state": State.DISABLED}))
        uow.jobs.schedule(kind="a", subject=PROD.subscription_id, due_at=uow.now)
        raise RuntimeError("boom")
    with seeded() as uow:
        assert uow.subscriptions.get(PROD.subscription_id).state is State.ENABLED
        assert uow.jobs.list() == []
        first = uow.now
        assert uow.now == first


def test_a_purge_removes_what_the_subscription_held_and_says_how_much(seeded):
    with seeded() as uow:
        assert uow.resources.purge(PROD.subscription_id) == len(RESOURCES)
        assert uow.resources.count(PROD.subscription_id) == 0
        assert uow.directory.purge_role_assignments(PROD.subscription_id.upper()) == 2
        assert uow.directory.role_assignments(subscription_id=PROD.subscription_id) == []
        assert [a.scope for a in uow.directory.role_assignments()] == [TRIAL.resource_id]
        assert uow.blobs.purge(PROD.subscription_id) == 0
