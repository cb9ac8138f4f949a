"""Lifecycle transitions with their effects, inside the caller's unit of work: the ones billing drives
(spending limit, credit, past due, settle, offer switch), the commit every transition ends with, and the purge.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from ..adapters.blobstore import BlobStore
from ..domain import events, lifecycle
from ..domain.access import SYSTEM, Principal
from ..domain.lifecycle import Decision
from .file_removal import purge_after_commit
from .forgetting import Forgetting
from .hooks import MeteringHooks
from .unit_of_work import UnitOfWork
from .use_case import Case

RETENTION_EXPIRY = "retention_expiry"
DELETION_REMINDER = "deletion_reminder"
RETENTION_JOBS = (RETENTION_EXPIRY, DELETION_REMINDER)


def event_data(details: dict[str, Any]) -> dict[str, Any]:
    """What notifications and webhooks receive: the activity details without the internal change id
    (a random id would also make a clock jump's events differ from the same time in steps)."""
    return {key: value for key, value in details.items() if key != "changeId"}


class Transitions:
    def __init__(self, metering: MeteringHooks, blobstore: BlobStore, forgetting: Forgetting) -> None:
        self.metering = metering
        self.blobstore = blobstore
        self.forgetting = forgetting

    def apply_system_transition(
        self, uow: UnitOfWork, subscription_id: str, action: lifecycle.LifecycleAction, *, actor: Principal = SYSTEM,
        data: dict[str, Any] | None = None,
    ) -> Decision:
        """Billing-driven transitions (spending limit, credit expiry, past due, settle) with their effects.

        Runs inside the caller's unit of work, so billing can change money and state in one transaction.
        """
        sub = uow.subscriptions.get(subscription_id, for_update=True)
        decision = lifecycle.system_transition(sub, action, now=uow.now)
        if decision.changed:
            change_id = str(uuid.uuid4())
            changed = uow.resources.apply_effects(sub.subscription_id, decision.effects, change_id)
            counts = {"changeId": change_id, "resourcesChanged": sum(changed.values())} if decision.effects else {}
            self.metering.state_changed(uow, sub, decision.after)
            self.commit(Case(uow, action.value, actor=actor, subject=subscription_id), decision,
                        events.SUBSCRIPTION_STATE_CHANGED, {**counts, **(data or {})})
        return decision

    def commit(self, case: Case, decision: Decision, event_type: str, data: dict[str, Any]) -> None:
        """Save the decision's record, log it under the case's action and emit its event (nothing when
        nothing changed)."""
        if not decision.changed:
            return
        uow, after = case.uow, decision.after
        uow.subscriptions.save(after)
        details = {"state": after.state.value, "stateReason": after.state_reason.value if after.state_reason else None,
                   "previousState": decision.before.state.value, **data}
        case.about(after.subscription_id)
        case.succeeded(details=details)
        uow.emit(events.DomainEvent(event_type, after.resource_id, uow.now, event_data(details), after.subscription_id))

    def purge(self, uow: UnitOfWork, decision: Decision) -> Decision:
        """Remove what the subscription held and forget its words; returns the decision with the record
        as it is kept (docs/data-retention.md)."""
        sub = decision.before
        purge_after_commit(self.blobstore, uow, sub.subscription_id)  # the bytes: in the transaction, or right after it
        uow.blobs.purge(sub.subscription_id)
        uow.resources.purge(sub.subscription_id)
        uow.directory.purge_role_assignments(sub.subscription_id)
        uow.jobs.cancel_pending(subject=sub.subscription_id, kinds=RETENTION_JOBS)
        return replace(decision, after=self.forgetting.forget(uow, [decision.after])[0])
