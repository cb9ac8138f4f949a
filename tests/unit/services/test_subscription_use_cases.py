"""SubscriptionService's use cases on the in-memory unit of work: what each writes, logs and emits, and that a
refusal leaves the store exactly as it was but for its one activity entry. No SQL: the repositories' SQL is
tested in tests/integration, and ``test_fake_contract.py`` holds the fakes to the real repositories."""

from __future__ import annotations

from datetime import timedelta

import pytest

from subplane.domain import events
from subplane.domain.access import OPERATOR, SYSTEM, Action
from subplane.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from subplane.domain.forgetting import deleted_display_name
from subplane.domain.lifecycle import Reason, State
from subplane.domain.management_groups import HierarchySettings, ManagementGroup, scope_of
from subplane.domain.resources import PowerState
from subplane.services import access
from subplane.services.subscriptions import SCHEDULED_CANCEL, SubscriptionService
from subplane.services.transitions import DELETION_REMINDER, RETENTION_EXPIRY, Transitions

from .fakes import (
    FakeBilling,
    FakeBillingRoleRepo,
    FakeBlobStore,
    FakeEstimate,
    FakeForgetting,
    FakeMetering,
    FakeStore,
    fake_uow_factory,
)
from .world import ACCOUNT, ADMIN, DYNAMIC_IP, NOW, OWNER, PROD, READER, STATIC_IP, STORAGE, STRANGER, TENANT, TRIAL, VM, seed

COUNTS = {"vmsDeallocated": 1, "ipsReleased": 1, "storageReadOnly": 1}


@pytest.fixture
def uows():
    return fake_uow_factory(now=NOW, seed=seed)


@pytest.fixture
def metering():
    return FakeMetering()


@pytest.fixture
def billing():
    return FakeBilling()


@pytest.fixture
def blobstore():
    return FakeBlobStore()


@pytest.fixture
def service(uows, offers, billing, metering, blobstore):
    """Wired as bootstrap.App wires it, with the fakes in place of the database, billing and metering."""
    return SubscriptionService(uows, offers, billing, metering, Transitions(metering, blobstore, FakeForgetting(metering)))


def rows(uows, since: int = 0) -> list[tuple]:
    """The activity log, oldest first: (action, outcome, actor, subscription, target, code, details)."""
    return [(r["action"], r["outcome"], r["actor"], r["subscription_id"], r["target"], r["code"], r["details"])
            for r in uows.store.activity[since:]]


def jobs(uows) -> list[tuple]:
    return [(j["kind"], j["subject"], j["due_at"], j["status"], j["payload"]) for j in uows.store.jobs]


def outbox(uows) -> list[tuple]:
    return [(e["type"], e["subject"], e["subscription_id"], e["data"]) for e in uows.store.outbox]


def but_activity(store: FakeStore) -> FakeStore:
    """The store without the activity log (and its id counter): what a refusal must leave exactly as it was."""
    kept = store.snapshot()
    kept.activity = []
    kept.ids.pop("activity", None)
    return kept


def sub_of(uows, sub=PROD):
    return uows.store.subscriptions[sub.subscription_id]


def cancel_prod(service, actor=OWNER, **kw):
    args = dict(actor=actor, ref="Productie", reason=" Niet meer nodig ", turn_off_resources=True)
    return service.cancel(**{**args, **kw})


# rename ------------------------------------------------------------------------------------------
def test_rename_saves_logs_and_emits_in_one_unit_of_work(service, uows):
    renamed = service.rename(actor=OWNER, ref="Productie", new_name="  Productie-2 ")

    assert renamed.display_name == "Productie-2" == sub_of(uows).display_name
    details = {"state": "Enabled", "stateReason": None, "previousState": "Enabled", "from": "Productie", "to": "Productie-2"}
    assert rows(uows) == [("rename", "Succeeded", OWNER.name, PROD.subscription_id, None, None, details)]
    assert outbox(uows) == [(events.SUBSCRIPTION_RENAMED, PROD.resource_id, PROD.subscription_id, details)]
    assert [(u.committed, u.read_only) for u in uows.opened] == [(True, False)]
    assert uows.store.activity[0]["correlation_id"] == uows.opened[0].correlation_id


def test_rename_to_an_empty_name_is_refused_logged_under_the_subscription_and_undone(service, uows):
    before = but_activity(uows.store)
    with pytest.raises(InvalidInput) as refused:
        service.rename(actor=OWNER, ref="Productie", new_name="   ")

    assert refused.value.code == "InvalidSubscriptionName"
    assert rows(uows) == [("rename", "Refused", OWNER.name, PROD.subscription_id, "Productie", "InvalidSubscriptionName", {})]
    assert but_activity(uows.store) == before
    # the use case's transaction rolled back; the refusal went into one of its own, same correlation id
    work, log = uows.opened
    assert (work.committed, log.committed) == (False, True)
    assert uows.store.activity[0]["correlation_id"] == work.correlation_id == log.correlation_id


# cancel ------------------------------------------------------------------------------------------
def test_a_reader_may_not_cancel_and_the_refusal_is_logged(service, uows, metering):
    before = but_activity(uows.store)
    with pytest.raises(Forbidden) as refused:
        cancel_prod(service, actor=READER)

    assert refused.value.code == "AuthorizationFailed"
    assert rows(uows) == [("cancel", "Refused", READER.name, PROD.subscription_id, "Productie", "AuthorizationFailed",
                           {"action": Action.CANCEL.value, "scope": PROD.resource_id, "principal": READER.name,
                            "principal_id": READER.principal_id})]
    assert but_activity(uows.store) == before
    assert metering.calls == []


@pytest.mark.parametrize("actor", [OWNER, ADMIN], ids=["owner", "account-admin"])
def test_cancel_by_the_owner_or_the_account_admin_turns_off_schedules_logs_and_meters(service, uows, metering, billing,
                                                                                        actor):
    result = cancel_prod(service, actor=actor)

    deletion = NOW + timedelta(days=90)  # Pay-As-You-Go's retention
    after = sub_of(uows)
    assert result.changed and result.subscription == after
    assert (after.state, after.state_reason, after.cancelled_at, after.deletion_date) == (
        State.DISABLED, Reason.CANCELLED, NOW, deletion)
    assert (after.cancelled_by, after.cancellation_reason) == (actor.name, "Niet meer nodig")
    assert result.counts == COUNTS
    held = uows.store.resources
    assert held[VM.resource_id.lower()].power_state is PowerState.DEALLOCATED
    assert held[DYNAMIC_IP.resource_id.lower()].ip_address is None
    assert held[STATIC_IP.resource_id.lower()].ip_address == "20.0.0.8"  # a static address is kept
    assert held[STORAGE.resource_id.lower()].read_only is True
    assert service.turned_off(actor=OWNER, ref="Productie", change_id=result.change_id) == {
        "vmsDeallocated": [VM.resource_id], "ipsReleased": [DYNAMIC_IP.resource_id],
        "storageReadOnly": [STORAGE.resource_id]}

    sid = PROD.subscription_id
    assert jobs(uows) == [
        (RETENTION_EXPIRY, sid, deletion, "pending", {}),
        (DELETION_REMINDER, sid, deletion - timedelta(days=7), "pending", {"daysBefore": 7}),
        (DELETION_REMINDER, sid, deletion - timedelta(days=1), "pending", {"daysBefore": 1}),
    ]
    details = {"reason": "Niet meer nodig", "deletionDate": deletion.isoformat(), "changeId": result.change_id, **COUNTS}
    assert rows(uows) == [("cancel", "Succeeded", actor.name, sid, None, None, details)]
    assert outbox(uows) == [(events.SUBSCRIPTION_CANCELLED, PROD.resource_id, sid,
                             {k: v for k, v in details.items() if k != "changeId"})]
    assert metering.calls == [("state_changed", sid, State.ENABLED, State.DISABLED)]
    assert result.billing == FakeEstimate(sid, State.DISABLED)
    assert result.support_plan is None
    assert billing.calls == [("set_support_auto_renew", sid, None), ("cancel_figures", sid, State.DISABLED)]


def test_cancel_keeps_the_support_plans_auto_renew_choice_in_its_transaction(offers, uows, metering):
    billing = FakeBilling(support_plans={PROD.subscription_id: {"plan": "Developer", "autoRenew": True}})
    service = SubscriptionService(uows, offers, billing, metering,
                                  Transitions(metering, FakeBlobStore(), FakeForgetting(metering)))
    result = cancel_prod(service, support_auto_renew=False)

    assert result.support_plan == {"plan": "Developer", "autoRenew": False}
    assert rows(uows)[0][6]["supportPlan"] == {"plan": "Developer", "autoRenew": False}
    assert ("billing", "support_auto_renew", PROD.subscription_id, False) in uows.store.hooks


def test_cancel_without_consent_for_the_resources_is_refused_with_their_count(service, uows, metering):
    before = but_activity(uows.store)
    with pytest.raises(Conflict) as refused:
        cancel_prod(service, turn_off_resources=False)

    assert refused.value.code == "ResourcesExistingOnSubscription"
    assert "still has 4 resource(s)" in refused.value.message
    assert rows(uows) == [("cancel", "Refused", OWNER.name, PROD.subscription_id, "Productie",
                           "ResourcesExistingOnSubscription", {"resource_count": 4})]
    assert but_activity(uows.store) == before
    assert metering.calls == []


def test_a_repeated_cancel_is_the_same_result_and_records_nothing(service, uows, metering):
    first = cancel_prod(service)
    after_first = uows.store.snapshot()
    again = cancel_prod(service, reason="iets anders", turn_off_resources=False)  # the same outcome needs no consent

    assert not again.changed
    assert (again.subscription, again.change_id, again.counts) == (first.subscription, first.change_id, COUNTS)
    assert uows.store == after_first  # no activity entry, no job, no event, no hook call: nothing at all
    assert metering.calls == [("state_changed", PROD.subscription_id, State.ENABLED, State.DISABLED)]


# reactivate --------------------------------------------------------------------------------------
def test_reactivate_makes_storage_writable_and_drops_the_retention_jobs(service, uows, metering):
    cancelled = cancel_prod(service)
    uows.clock.advance(timedelta(days=2))
    since = len(uows.store.activity)
    sub = service.reactivate(actor=OWNER, ref="Productie")

    assert (sub.state, sub.state_reason, sub.deletion_date, sub.cancelled_at) == (State.ENABLED, None, None, None)
    assert sub_of(uows) == sub and sub.state_changed_at == NOW + timedelta(days=2)
    assert uows.store.resources[STORAGE.resource_id.lower()].read_only is False
    assert uows.store.resources[VM.resource_id.lower()].power_state is PowerState.DEALLOCATED  # until someone starts it
    assert {(kind, status) for kind, _, _, status, _ in jobs(uows)} == {(RETENTION_EXPIRY, "cancelled"),
                                                                       (DELETION_REMINDER, "cancelled")}
    [(action, outcome, actor, sid, target, code, details)] = rows(uows, since)
    assert (action, outcome, actor, sid, target, code) == ("reactivate", "Succeeded", OWNER.name, PROD.subscription_id,
                                                           None, None)
    assert details == {"state": "Enabled", "stateReason": None, "previousState": "Disabled",
                       "changeId": details["changeId"], "storageWritable": 1}
    assert details["changeId"] != cancelled.change_id
    assert metering.calls == [("state_changed", PROD.subscription_id, State.ENABLED, State.DISABLED),
                              ("state_changed", PROD.subscription_id, State.DISABLED, State.ENABLED)]

    settled = uows.store.snapshot()
    assert service.reactivate(actor=OWNER, ref="Productie") == sub  # enabled already: the same, nothing recorded
    assert uows.store == settled


def test_reactivate_of_an_offer_without_self_service_is_the_operators(service, uows):
    service.cancel(actor=OWNER, ref="Proef", reason="klaar")
    with pytest.raises(Forbidden) as refused:
        service.reactivate(actor=OWNER, ref="Proef")  # Free Trial: no self-service reactivation

    assert refused.value.code == "AuthorizationFailed"
    assert sub_of(uows, TRIAL).state is State.DISABLED
    assert service.reactivate(actor=OPERATOR, ref="Proef").state is State.ENABLED
    assert [(a, o, actor) for a, o, actor, *_ in rows(uows)] == [
        ("cancel", "Succeeded", OWNER.name), ("reactivate", "Refused", OWNER.name), ("reactivate", "Succeeded", "operator")]


def test_a_cancel_moves_to_the_decommissioning_group_and_reactivation_moves_back(service, uows):
    with uows() as uow:
        uow.management_groups.insert(ManagementGroup("Teams", TENANT, "Teams", TENANT), now=NOW, by="test")
        uow.management_groups.insert(ManagementGroup("Decom", TENANT, "Decommissioned", TENANT), now=NOW, by="test")
        uow.management_groups.save_settings(TENANT, HierarchySettings(decommission_group="Decom"))
        uow.management_groups.place(PROD.subscription_id, "Teams")
    since = len(uows.store.activity)
    result = cancel_prod(service)

    moved = {"from": "Teams", "to": "Decom", "reason": "decommissioned"}
    assert [(a, o, target, details) for a, o, _, _, target, _, details in rows(uows, since)] == [
        ("moveSubscription", "Succeeded", scope_of("Decom"), moved),
        ("cancel", "Succeeded", None, {"reason": "Niet meer nodig", "deletionDate": result.subscription.deletion_date.isoformat(),
                                       "changeId": result.change_id, **COUNTS, "managementGroup": "Decom"})]
    assert uows.store.placements[PROD.subscription_id] == ("decom", "teams")

    since = len(uows.store.activity)
    service.reactivate(actor=OWNER, ref="Productie")
    assert [(a, target, details) for a, _, _, _, target, _, details in rows(uows, since)][0] == (
        "moveSubscription", scope_of("Teams"), {"from": "Decom", "to": "Teams", "reason": "reactivated"})
    assert uows.store.placements[PROD.subscription_id] == ("teams", None)


# schedule a cancel -------------------------------------------------------------------------------
def test_a_cancel_scheduled_for_later_is_a_due_job_and_a_later_one_replaces_it(service, uows, metering):
    at = NOW + timedelta(days=5)
    assert service.schedule_cancel(actor=OWNER, ref="Productie", at=at, reason=" Einde project ",
                                   turn_off_resources=True) == at

    payload = {"reason": "Einde project", "turnOffResources": True, "scheduledBy": OWNER.name}
    assert jobs(uows) == [(SCHEDULED_CANCEL, PROD.subscription_id, at, "pending", payload)]
    assert rows(uows) == [("scheduleCancel", "Succeeded", OWNER.name, PROD.subscription_id, None, None,
                           {"at": at.isoformat(), **payload})]
    assert sub_of(uows) == PROD and metering.calls == [] and outbox(uows) == []

    later = at + timedelta(days=1)
    service.schedule_cancel(actor=OWNER, ref="Productie", at=later, reason="Einde project", turn_off_resources=True)
    assert [(due, status) for _, _, due, status, _ in jobs(uows)] == [(at, "cancelled"), (later, "pending")]


def test_a_cancel_scheduled_for_now_or_earlier_is_refused(service, uows):
    before = but_activity(uows.store)
    with pytest.raises(InvalidInput) as refused:
        service.schedule_cancel(actor=OWNER, ref="Productie", at=NOW, reason="te laat")

    assert refused.value.code == "ScheduledCancelNotInFuture"
    assert rows(uows) == [("scheduleCancel", "Refused", OWNER.name, PROD.subscription_id, "Productie",
                           "ScheduledCancelNotInFuture", {})]
    assert but_activity(uows.store) == before


def test_a_due_scheduled_cancel_its_rules_refuse_is_logged_once_as_the_system(service, uows):
    service.schedule_cancel(actor=OWNER, ref="Productie", at=NOW + timedelta(days=1), reason="later")  # no consent
    before = but_activity(uows.store)
    since = len(uows.store.activity)
    uows.clock.advance(timedelta(days=1))
    with uows() as uow:
        assert service.run_scheduled_cancel(uow, PROD.subscription_id, {"reason": "later"}) is False

    assert rows(uows, since) == [("cancel", "Refused", SYSTEM.name, PROD.subscription_id, PROD.resource_id,
                                  "ResourcesExistingOnSubscription", {"resource_count": 4})]
    assert but_activity(uows.store) == before


# delete ------------------------------------------------------------------------------------------
def test_delete_waits_after_the_cancel_then_purges_and_forgets_the_name(service, uows, metering, blobstore):
    service.cancel(actor=OWNER, ref="Proef", reason="klaar")
    with pytest.raises(Conflict) as refused:
        service.delete(actor=OWNER, ref="Proef", confirm_name="Proef")
    assert refused.value.code == "DeleteTooSoon"
    assert sub_of(uows, TRIAL).state is State.DISABLED

    uows.clock.advance(timedelta(minutes=15))
    deleted = service.delete(actor=OWNER, ref="Proef", confirm_name="Proef")

    sid = TRIAL.subscription_id
    assert (deleted.state, deleted.state_reason) == (State.DELETED, Reason.DELETED_BY_OWNER)
    assert deleted.display_name == deleted_display_name(sid) and deleted.cancellation_reason is None
    assert sub_of(uows, TRIAL) == deleted
    assert [r for r in uows.store.role_assignments if r["subscription_id"] == sid] == []
    assert blobstore.removed == [sid]  # the bytes, after the commit
    assert ("metering", "forget", sid) in uows.store.hooks
    assert [(a, o, code) for a, o, _, s, _, code, _ in rows(uows) if s == sid] == [
        ("cancel", "Succeeded", None), ("delete", "Refused", "DeleteTooSoon"), ("delete", "Succeeded", None)]
    assert outbox(uows)[-1][:3] == (events.SUBSCRIPTION_DELETED, TRIAL.resource_id, sid)


# create ------------------------------------------------------------------------------------------
@pytest.fixture
def billing_roles(monkeypatch):
    """services.access reads billing roles with BillingRoleRepo(uow.conn), beside the unit of work's repositories."""
    monkeypatch.setattr(access, "BillingRoleRepo", FakeBillingRoleRepo)


def test_create_adds_the_subscription_its_owner_and_its_meter(service, uows, metering, billing_roles):
    sub = service.create(actor=ADMIN, display_name="Nieuw", billing_account_id="Contoso", offer_id="MS-AZR-0003P",
                         subscription_id="5B0D0000-0000-4000-8000-0000000000AA")

    sid = "5b0d0000-0000-4000-8000-0000000000aa"
    assert (sub.subscription_id, sub.display_name, sub.tenant_id, sub.state, sub.created_at) == (
        sid, "Nieuw", PROD.tenant_id, State.ENABLED, NOW)
    assert sub_of(uows, sub) == sub
    assert [(r["scope"], r["role"], r["principal_id"]) for r in uows.store.role_assignments if r["subscription_id"] == sid] \
        == [(sub.resource_id, "Owner", ADMIN.principal_id)]
    assert metering.calls == [("subscription_created", sid)]
    assert rows(uows) == [("create", "Succeeded", ADMIN.name, sid, None, None,
                           {"displayName": "Nieuw", "offerId": "MS-AZR-0003P"})]
    assert outbox(uows) == [(events.SUBSCRIPTION_CREATED, sub.resource_id, sid,
                             {"displayName": "Nieuw", "offerId": "MS-AZR-0003P"})]


def test_create_needs_the_account_admin_or_a_billing_role(service, uows, billing_roles):
    before = but_activity(uows.store)
    with pytest.raises(Forbidden):
        service.create(actor=STRANGER, display_name="Nieuw", billing_account_id="Contoso", offer_id="MS-AZR-0044P")
    assert but_activity(uows.store) == before
    scope = f"/providers/Microsoft.Billing/billingAccounts/{ACCOUNT.billing_account_id}"
    assert rows(uows) == [("create", "Refused", STRANGER.name, None, "Nieuw", "AuthorizationFailed",
                           {"action": "Microsoft.Subscription/aliases/write", "scope": scope, "principal": STRANGER.name,
                            "principal_id": STRANGER.principal_id})]

    uows.store.billing_roles.append((ACCOUNT.billing_account_id, STRANGER.principal_id, "AzureSubscriptionCreator"))
    made = service.create(actor=STRANGER, display_name="Nieuw", billing_account_id="Contoso", offer_id="MS-AZR-0044P")
    assert sub_of(uows, made).display_name == "Nieuw"


def test_create_without_a_card_is_refused_for_an_offer_without_credit(offers, uows, metering, billing_roles):
    billing = FakeBilling(without_card=[ACCOUNT.billing_account_id])
    service = SubscriptionService(uows, offers, billing, metering,
                                  Transitions(metering, FakeBlobStore(), FakeForgetting(metering)))
    before = but_activity(uows.store)
    with pytest.raises(Conflict) as refused:
        service.create(actor=ADMIN, display_name="Nieuw", billing_account_id="Contoso", offer_id="MS-AZR-0003P")

    assert refused.value.code == "PaymentMethodRequired"
    assert rows(uows) == [("create", "Refused", ADMIN.name, None, "Nieuw", "PaymentMethodRequired",
                           {"offer_id": "MS-AZR-0003P"})]
    assert but_activity(uows.store) == before and metering.calls == []
    assert service.create(actor=ADMIN, display_name="Proef 2", billing_account_id="Contoso",
                          offer_id="MS-AZR-0044P").state is State.ENABLED  # a credit offer starts without a card


def test_a_refusal_after_the_first_writes_undoes_them_all(offers, uows, billing_roles):
    metering = FakeMetering(currencies=["USD"])  # metering refuses after the subscription row is written
    service = SubscriptionService(uows, offers, FakeBilling(), metering,
                                  Transitions(metering, FakeBlobStore(), FakeForgetting(metering)))
    before = but_activity(uows.store)
    with pytest.raises(InvalidInput) as refused:
        service.create(actor=ADMIN, display_name="Nieuw", billing_account_id="Contoso", offer_id="MS-AZR-0044P",
                       subscription_id="5b0d0000-0000-4000-8000-0000000000bb")

    assert refused.value.code == "UnsupportedCurrency"
    assert metering.calls == [("subscription_created", "5b0d0000-0000-4000-8000-0000000000bb")]  # it was called ...
    assert but_activity(uows.store) == before  # ... and its call, the subscription and the rest are gone
    assert "5b0d0000-0000-4000-8000-0000000000bb" not in uows.store.subscriptions
    assert rows(uows) == [("create", "Refused", ADMIN.name, "5b0d0000-0000-4000-8000-0000000000bb", "Nieuw",
                           "UnsupportedCurrency", {"currency": "EUR"})]


# every refusal -----------------------------------------------------------------------------------
REFUSALS = {
    "rename-empty": (lambda s: s.rename(actor=OWNER, ref="Productie", new_name=""), "rename", "InvalidSubscriptionName"),
    "rename-by-reader": (lambda s: s.rename(actor=READER, ref="Productie", new_name="x"), "rename", "AuthorizationFailed"),
    "cancel-by-stranger": (lambda s: cancel_prod(s, actor=STRANGER), "cancel", "AuthorizationFailed"),
    "cancel-without-reason": (lambda s: cancel_prod(s, reason="  "), "cancel", "CancellationReasonRequired"),
    "cancel-without-consent": (lambda s: cancel_prod(s, turn_off_resources=False), "cancel",
                               "ResourcesExistingOnSubscription"),
    "reactivate-enabled-by-reader": (lambda s: s.reactivate(actor=READER, ref="Productie"), "reactivate",
                                     "AuthorizationFailed"),
    "delete-enabled": (lambda s: s.delete(actor=OWNER, ref="Productie", confirm_name="Productie"), "delete",
                       "InvalidStateTransition"),
    "schedule-in-the-past": (lambda s: s.schedule_cancel(actor=OWNER, ref="Productie", at=NOW - timedelta(days=1),
                                                         reason="x"), "scheduleCancel", "ScheduledCancelNotInFuture"),
}


@pytest.mark.parametrize("attempt", list(REFUSALS), ids=list(REFUSALS))
def test_a_refusal_leaves_the_store_exactly_as_before_but_for_its_one_entry(service, uows, metering, attempt):
    call, action, code = REFUSALS[attempt]
    before = but_activity(uows.store)
    with pytest.raises(DomainError) as refused:
        call(service)

    assert refused.value.code == code
    assert but_activity(uows.store) == before
    assert [(a, o, sid, c) for a, o, _, sid, _, c, _ in rows(uows)] == [(action, "Refused", PROD.subscription_id, code)]
    assert metering.calls == []


def test_an_unknown_subscription_is_refused_under_no_subscription(service, uows):
    before = but_activity(uows.store)
    with pytest.raises(NotFound) as refused:
        cancel_prod(service, ref="Bestaat niet")

    assert refused.value.code == "SubscriptionNotFound"
    assert [(a, o, sid, target, c) for a, o, _, sid, target, c, _ in rows(uows)] == [
        ("cancel", "Refused", None, "Bestaat niet", "SubscriptionNotFound")]
    assert but_activity(uows.store) == before
