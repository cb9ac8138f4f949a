"""The issue's acceptance walk, through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from subplane import demo
from subplane.domain.access import OPERATOR
from subplane.domain.errors import Conflict, Forbidden, InvalidInput
from subplane.domain.resources import PowerState, VmAction

from ..helpers import by_name, principal, storage_account


def cancel_production(app, **kw):
    args = dict(actor=principal(app, "admin@contoso.example"), ref="Productie", reason="Niet meer nodig",
                turn_off_resources=True)
    args.update(kw)
    return app.subscriptions.cancel(**args)


def test_reader_may_not_cancel_and_nothing_changes(demo_app):
    before = by_name(demo_app, "Productie")
    with pytest.raises(Forbidden) as denied:
        cancel_production(demo_app, actor=principal(demo_app, "reader@contoso.example"))
    assert denied.value.code == "AuthorizationFailed"
    assert demo_app.subscriptions.get(actor=OPERATOR, ref="Productie").state.value == "Enabled"
    assert by_name(demo_app, "Productie") == before
    with demo_app.uow(read_only=True) as uow:
        sub_id = demo_app.subscriptions.get(actor=OPERATOR, ref="Productie").subscription_id
        refused = [e for e in uow.activity.list(subscription_id=sub_id) if e["outcome"] == "Refused"]
    assert [(e["action"], e["code"], e["actor"]) for e in refused] == [
        ("cancel", "AuthorizationFailed", "reader@contoso.example")]


def test_cancel_without_turning_off_resources_is_refused_with_the_count(demo_app):
    with pytest.raises(Conflict) as refused:
        cancel_production(demo_app, turn_off_resources=False)
    assert refused.value.code == "ResourcesExistingOnSubscription"
    assert "7 resource" in refused.value.message
    assert demo_app.subscriptions.get(actor=OPERATOR, ref="Productie").state.value == "Enabled"


def test_cancel_turns_everything_off_and_keeps_data_readable(demo_app):
    result = cancel_production(demo_app)
    sub = result.subscription
    assert (sub.state.value, sub.state_reason.value) == ("Disabled", "Cancelled")
    assert sub.deletion_date == sub.cancelled_at + timedelta(days=90)
    assert sub.cancelled_by == "admin@contoso.example"
    resources = by_name(demo_app, "Productie")
    assert resources["web-01"].power_state is PowerState.DEALLOCATED
    assert resources["db-01"].power_state is PowerState.DEALLOCATED
    assert resources["web-01-ip"].ip_address is None
    assert resources["db-01-ip"].ip_address is not None
    assert resources["contosodata"].read_only is True
    assert result.counts == {"vmsDeallocated": 2, "ipsReleased": 1, "storageReadOnly": 1}
    turned_off = demo_app.subscriptions.turned_off(actor=OPERATOR, ref="Productie", change_id=result.change_id)
    assert turned_off == {
        "vmsDeallocated": sorted([resources["db-01"].resource_id, resources["web-01"].resource_id]),
        "ipsReleased": [resources["web-01-ip"].resource_id],
        "storageReadOnly": [resources["contosodata"].resource_id],
    }

    admin = principal(demo_app, "admin@contoso.example")
    account = storage_account(demo_app, "Productie").resource_id
    _, data = demo_app.blobs.get(actor=admin, account=account, container="backups", name="leesmij.txt")
    assert data.startswith(b"Contoso")
    for write in (
        lambda: demo_app.blobs.put(actor=admin, account=account, container="backups", name="n.txt", data=b"x"),
        lambda: demo_app.resources.vm_action(actor=admin, vm="web-01", action=VmAction.START),
        lambda: demo_app.resources.create_group(actor=admin, subscription="Productie", name="new", location="westeurope"),
        lambda: demo_app.blobs.delete(actor=admin, account=account, container="backups", name="leesmij.txt"),
    ):
        with pytest.raises(Conflict) as refused:
            write()
        assert refused.value.code == "ReadOnlyDisabledSubscription"


def test_cancel_again_returns_the_same_and_logs_nothing(demo_app):
    first = cancel_production(demo_app)
    with demo_app.uow(read_only=True) as uow:
        activity_before = uow.activity.count(subscription_id=first.subscription.subscription_id)
        outbox_before = len(uow.outbox.list())
    again = cancel_production(demo_app, reason="iets anders")
    assert not again.changed
    assert again.subscription == first.subscription
    assert (again.change_id, again.counts) == (first.change_id, first.counts)
    assert again.counts["vmsDeallocated"] == 2
    with demo_app.uow(read_only=True) as uow:
        assert uow.activity.count(subscription_id=first.subscription.subscription_id) == activity_before
        assert len(uow.outbox.list()) == outbox_before


def test_reactivate_restores_writes_but_not_vms(demo_app):
    old_address = by_name(demo_app, "Productie")["web-01-ip"].ip_address
    cancel_production(demo_app)
    owner = principal(demo_app, "owner@contoso.example")
    sub = demo_app.subscriptions.reactivate(actor=owner, ref="Productie")
    assert sub.state.value == "Enabled" and sub.deletion_date is None
    resources = by_name(demo_app, "Productie")
    assert resources["contosodata"].read_only is False
    assert resources["web-01"].power_state is PowerState.DEALLOCATED
    assert old_address is not None
    started = demo_app.resources.vm_action(actor=owner, vm="web-01", action=VmAction.START)
    assert started.power_state is PowerState.RUNNING
    new_address = by_name(demo_app, "Productie")["web-01-ip"].ip_address
    assert new_address is not None and new_address != old_address
    account = resources["contosodata"].resource_id
    demo_app.blobs.put(actor=owner, account=account, container="backups", name="na.txt", data=b"weer")
    with demo_app.uow(read_only=True) as uow:
        assert not [j for j in uow.jobs.list(subject=sub.subscription_id) if j["status"] == "pending"]


def test_reactivating_gives_the_vm_a_new_dynamic_address(demo_app):
    owner = principal(demo_app, "owner@contoso.example")
    original = by_name(demo_app, "Productie")["web-01-ip"].ip_address
    demo_app.resources.vm_action(actor=owner, vm="web-01", action=VmAction.DEALLOCATE)
    assert by_name(demo_app, "Productie")["web-01-ip"].ip_address is None
    demo_app.resources.vm_action(actor=owner, vm="web-01", action=VmAction.START)
    assert by_name(demo_app, "Productie")["web-01-ip"].ip_address not in (None, original)


def test_free_trial_is_purged_after_31_days(demo_app, tmp_path):
    trial = demo_app.subscriptions.cancel(actor=OPERATOR, ref="Proefversie", reason="Alleen getest",
                                          turn_off_resources=True).subscription
    assert trial.deletion_date == trial.cancelled_at + timedelta(days=30)
    production_account = storage_account(demo_app, "Productie")
    demo_app.blobs.put(actor=OPERATOR, account=production_account.resource_id, container="backups", name="a", data=b"1")
    result = demo_app.clock_control.advance(timedelta(days=31))
    assert [j.kind for j in result.jobs if j.subject == trial.subscription_id] == [
        "deletion_reminder", "deletion_reminder", "retention_expiry", "purge_files"]
    after = demo_app.subscriptions.get(actor=OPERATOR, ref=trial.subscription_id)
    assert (after.state.value, after.state_reason.value) == ("Deleted", "RetentionExpired")
    assert demo_app.resources.list(actor=OPERATOR, subscription=trial.subscription_id) == []
    with demo_app.uow(read_only=True) as uow:
        assert uow.directory.role_assignments(subscription_id=trial.subscription_id) == []
    # Productie is untouched by the trial's purge, bytes included.
    assert len(by_name(demo_app, "Productie")) == 7
    _, data = demo_app.blobs.get(actor=OPERATOR, account=production_account.resource_id, container="backups", name="a")
    assert data == b"1"


def test_purge_removes_blob_bytes_from_database_and_disk(demo_app):
    account = storage_account(demo_app, "Productie")
    sub_id = account.subscription_id
    assert demo_app.blobstore.subscription_bytes(sub_id) > 0
    demo_app.subscriptions.cancel(actor=OPERATOR, ref="Productie", reason="weg", turn_off_resources=True)
    demo_app.clock_control.advance(timedelta(days=90))
    assert demo_app.blobstore.subscription_bytes(sub_id) == 0
    assert not (demo_app.blobstore.root / sub_id).exists()
    with demo_app.uow(read_only=True) as uow:
        assert uow.blobs.list_containers(account.resource_id) == []
        assert uow.resources.count(sub_id) == 0


def test_deleted_subscription_id_is_never_reused(demo_app):
    trial = demo_app.subscriptions.cancel(actor=OPERATOR, ref="Proefversie", reason="x", turn_off_resources=True)
    demo_app.clock_control.advance(timedelta(days=31))
    with pytest.raises(Conflict) as refused:
        demo_app.subscriptions.create(actor=OPERATOR, display_name="Opnieuw", billing_account_id=trial.subscription.billing_account_id,
                                      offer_id="MS-AZR-0003P", subscription_id=trial.subscription.subscription_id)
    assert refused.value.code == "SubscriptionIdInUse"


def test_delete_conditions_then_delete(demo_app):
    admin = principal(demo_app, "admin@contoso.example")
    demo_app.subscriptions.cancel(actor=admin, ref="Ontwikkeling", reason="klaar")
    with pytest.raises(Conflict) as too_soon:
        demo_app.subscriptions.delete(actor=admin, ref="Ontwikkeling", confirm_name="Ontwikkeling")
    assert too_soon.value.code == "DeleteTooSoon"
    demo_app.clock_control.advance(timedelta(minutes=15))
    with pytest.raises(Conflict) as wrong_name:
        demo_app.subscriptions.delete(actor=admin, ref="Ontwikkeling", confirm_name="ontwikkeling")
    assert wrong_name.value.code == "ConfirmationNameMismatch"
    deleted = demo_app.subscriptions.delete(actor=admin, ref="Ontwikkeling", confirm_name="Ontwikkeling")
    assert (deleted.state.value, deleted.state_reason.value) == ("Deleted", "DeletedByOwner")


def test_delete_with_resources_left_is_refused(demo_app):
    demo_app.subscriptions.cancel(actor=OPERATOR, ref="Productie", reason="x", turn_off_resources=True)
    demo_app.clock_control.advance(timedelta(minutes=20))
    with pytest.raises(Conflict) as refused:
        demo_app.subscriptions.delete(actor=OPERATOR, ref="Productie", confirm_name="Productie")
    assert refused.value.code == "ResourcesExistingOnSubscription"
    for resource in by_name(demo_app, "Productie").values():  # deletes still work while disabled
        demo_app.resources.delete(actor=OPERATOR, ref=resource.resource_id)
    assert demo_app.subscriptions.delete(actor=OPERATOR, ref="Productie", confirm_name="Productie").state.value == "Deleted"


def test_rename_and_ambiguous_names(demo_app):
    owner = principal(demo_app, "owner@contoso.example")
    renamed = demo_app.subscriptions.rename(actor=owner, ref="Ontwikkeling", new_name="Productie")
    assert renamed.display_name == "Productie"
    with pytest.raises(InvalidInput) as ambiguous:
        demo_app.subscriptions.get(actor=OPERATOR, ref="Productie")
    assert ambiguous.value.code == "AmbiguousSubscriptionName"


def test_reader_sees_only_assigned_subscriptions(demo_app):
    reader = principal(demo_app, "reader@contoso.example")
    assert len(demo_app.subscriptions.list(actor=reader)) == 3
    with demo_app.uow() as uow:
        tenant = uow.directory.list_tenants()[0]["tenant_id"]
        demo_app.directory.create_user(uow, tenant_id=tenant, upn="new@contoso.example", display_name="New",
                                       password="long-enough-1")
    assert demo_app.subscriptions.list(actor=principal(demo_app, "new@contoso.example")) == []


def test_demo_reseed_is_idempotent_and_keeps_secrets(demo_app):
    first = demo.seed(demo_app)
    second = demo.seed(demo_app)
    assert first == second
    owner = first["servicePrincipals"][0]
    assert demo_app.directory.authenticate_client(owner["clientId"], owner["clientSecret"]).name == "subplane-owner"
