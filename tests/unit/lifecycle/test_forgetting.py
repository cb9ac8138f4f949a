"""The pure rules of what a purge keeps (docs/data-retention.md)."""

from __future__ import annotations

from datetime import UTC, datetime

from subplane.domain import lifecycle
from subplane.domain.forgetting import Pseudonyms, deleted_display_name, facts_only, kept_record
from subplane.domain.lifecycle import Reason, State

SUB_ID = "1a2b3c4d-0000-0000-0000-000000000001"
NOW = datetime(2027, 3, 1, tzinfo=UTC)


def _deleted(name="Project X", reason="moving to another cloud"):
    return lifecycle.Subscription(SUB_ID, name, "t", "b", "MS-AZR-0003P", State.DELETED, Reason.RETENTION_EXPIRED,
                                  NOW, cancellation_reason=reason)


def test_a_pseudonym_is_stable_within_one_key_and_unrelated_across_keys():
    first, second = Pseudonyms(b"k" * 32), Pseudonyms(b"j" * 32)
    target = f"/subscriptions/{SUB_ID}/resourceGroups/rg-x/providers/Microsoft.Compute/virtualMachines/vm-x"
    assert first.of(target) == first.of(target) != first.of(target + "2")
    assert first.of(target) != second.of(target)
    assert Pseudonyms.is_pseudonym(first.of(target)) and "vm-x" not in first.of(target)
    assert not Pseudonyms.is_pseudonym(target)


def test_facts_only_keeps_states_dates_and_amounts_and_drops_every_other_key():
    data = {"state": "Disabled", "deletionDate": "2027-03-01", "amount": "3.40", "displayName": "Project X",
            "reason": "moving", "from": "a", "to": "b", "someFutureField": "Project X"}
    assert facts_only(data) == {"state": "Disabled", "deletionDate": "2027-03-01", "amount": "3.40"}


def test_the_kept_record_loses_its_typed_reason_and_its_name_once_no_invoice_needs_it():
    waiting = kept_record(_deleted(), invoice_pending=True)
    assert (waiting.display_name, waiting.cancellation_reason) == ("Project X", None)
    done = kept_record(_deleted(), invoice_pending=False)
    assert done.display_name == deleted_display_name(SUB_ID) == "deleted-1a2b3c4d"
    assert (done.subscription_id, done.state, done.state_reason) == (SUB_ID, State.DELETED, Reason.RETENTION_EXPIRED)
    lifecycle.require_display_name(done.display_name)  # a name the record may hold
