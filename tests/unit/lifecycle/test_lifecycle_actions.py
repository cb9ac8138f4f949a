"""The lifecycle functions: guards, deadlines and what each returns."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from subplane.domain import lifecycle
from subplane.domain.errors import Conflict, InvalidInput
from subplane.domain.lifecycle import Reason as R
from subplane.domain.lifecycle import State as S

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _sub(offer_id="MS-AZR-0003P", state=S.ENABLED, reason=None, **changes):
    base = lifecycle.Subscription("00000000-0000-0000-0000-000000000001", "Productie", "t", "b", offer_id,
                                  state, reason, NOW - timedelta(days=40))
    return replace(base, **changes)


def _cancel(offers, sub, **kw):
    args = dict(offer=offers.get(sub.offer_id), now=NOW, reason="Niet meer nodig", actor="admin",
                resource_count=0, turn_off_resources=False)
    args.update(kw)
    return lifecycle.cancel(sub, **args)


@pytest.mark.parametrize(("offer_id", "days"), [("MS-AZR-0044P", 30), ("MS-AZR-0003P", 90), ("MS-AZR-0017G", 90)])
def test_cancel_sets_deletion_date_from_the_offers_retention(offers, offer_id, days):
    decision = _cancel(offers, _sub(offer_id))
    after = decision.after
    assert (after.state, after.state_reason) == (S.DISABLED, R.CANCELLED)
    assert after.cancelled_at == NOW
    assert after.deletion_date == NOW + timedelta(days=days)
    assert after.cancelled_by == "admin" and after.cancellation_reason == "Niet meer nodig"
    assert {e.field for e in decision.effects} == {"power_state", "ip_address", "read_only"}


def test_cancel_requires_a_reason(offers):
    with pytest.raises(InvalidInput) as refused:
        _cancel(offers, _sub(), reason="  ")
    assert refused.value.code == "CancellationReasonRequired"


def test_cancel_with_resources_requires_turning_them_off(offers):
    with pytest.raises(Conflict) as refused:
        _cancel(offers, _sub(), resource_count=7)
    assert refused.value.code == "ResourcesExistingOnSubscription"
    assert "7 resource" in refused.value.message
    assert _cancel(offers, _sub(), resource_count=7, turn_off_resources=True).changed


def test_cancel_twice_is_the_same_result_and_no_change(offers):
    first = _cancel(offers, _sub()).after
    again = _cancel(offers, first, now=NOW + timedelta(hours=1), reason="other")
    assert not again.changed
    assert again.after == first
    assert again.effects == ()


def test_reactivate_before_deadline_clears_deletion_date(offers):
    cancelled = _cancel(offers, _sub()).after
    decision = lifecycle.reactivate(cancelled, offer=offers.get("MS-AZR-0003P"), now=NOW + timedelta(days=10))
    assert decision.after.state is S.ENABLED and decision.after.deletion_date is None
    assert (decision.after.cancelled_at, decision.after.cancellation_reason, decision.after.cancelled_by) == (
        None, None, None)
    assert [e.field for e in decision.effects] == ["read_only"]


def test_reactivate_after_deadline_is_refused(offers):
    cancelled = _cancel(offers, _sub()).after
    with pytest.raises(Conflict) as refused:
        lifecycle.reactivate(cancelled, offer=offers.get("MS-AZR-0003P"), now=NOW + timedelta(days=91))
    assert refused.value.code == "RetentionExpired"


@pytest.mark.parametrize(("minutes", "resources", "name", "code"), [
    (14, 0, "Productie", "DeleteTooSoon"),
    (15, 2, "Productie", "ResourcesExistingOnSubscription"),
    (15, 0, "productie", "ConfirmationNameMismatch"),
])
def test_delete_refusal_names_the_unmet_condition(offers, minutes, resources, name, code):
    cancelled = _cancel(offers, _sub()).after
    with pytest.raises(Conflict) as refused:
        lifecycle.delete(cancelled, offer=offers.get("MS-AZR-0003P"), now=NOW + timedelta(minutes=minutes),
                         resource_count=resources, confirm_name=name)
    assert refused.value.code == code
    assert refused.value.params["unmet"] == [code]


def test_delete_lists_every_unmet_condition(offers):
    cancelled = _cancel(offers, _sub()).after
    with pytest.raises(Conflict) as refused:
        lifecycle.delete(cancelled, offer=offers.get("MS-AZR-0003P"), now=NOW, resource_count=1, confirm_name="x")
    assert refused.value.params["unmet"] == ["DeleteTooSoon", "ResourcesExistingOnSubscription",
                                             "ConfirmationNameMismatch"]


def test_delete_when_all_conditions_hold(offers):
    cancelled = _cancel(offers, _sub()).after
    decision = lifecycle.delete(cancelled, offer=offers.get("MS-AZR-0003P"), now=NOW + timedelta(minutes=15),
                                resource_count=0, confirm_name="Productie")
    assert (decision.after.state, decision.after.state_reason) == (S.DELETED, R.DELETED_BY_OWNER)
    assert decision.purges


def test_expire_retention_only_after_the_deadline(offers):
    cancelled = _cancel(offers, _sub()).after
    with pytest.raises(Conflict):
        lifecycle.expire_retention(cancelled, now=cancelled.deletion_date - timedelta(seconds=1))
    decision = lifecycle.expire_retention(cancelled, now=cancelled.deletion_date)
    assert decision.after.state_reason is R.RETENTION_EXPIRED and decision.purges


def test_writes_refused_while_disabled_and_after_deletion(offers):
    cancelled = _cancel(offers, _sub()).after
    with pytest.raises(Conflict) as refused:
        lifecycle.ensure_writable(cancelled)
    assert refused.value.code == "ReadOnlyDisabledSubscription"
    with pytest.raises(Conflict) as gone:
        lifecycle.ensure_writable(_sub(state=S.DELETED, reason=R.RETENTION_EXPIRED))
    assert gone.value.code == "SubscriptionDeleted"
    lifecycle.ensure_writable(_sub(state=S.PAST_DUE))


@pytest.mark.parametrize("name", ["", "   ", "x" * 65])
def test_rename_validates_the_name(name):
    with pytest.raises(InvalidInput):
        lifecycle.rename(_sub(), new_name=name, now=NOW)


def test_rename_keeps_state():
    decision = lifecycle.rename(_sub(state=S.PAST_DUE), new_name=" Nieuw ", now=NOW)
    assert decision.after.display_name == "Nieuw" and decision.after.state is S.PAST_DUE
