"""Past-tense facts the services record in the outbox, in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SUBSCRIPTION_CREATED = "Subplane.Subscription.Created"
SUBSCRIPTION_CANCELLED = "Subplane.Subscription.Cancelled"
SUBSCRIPTION_REACTIVATED = "Subplane.Subscription.Reactivated"
SUBSCRIPTION_DELETED = "Subplane.Subscription.Deleted"
SUBSCRIPTION_RENAMED = "Subplane.Subscription.Renamed"
SUBSCRIPTION_STATE_CHANGED = "Subplane.Subscription.StateChanged"
DELETION_REMINDER = "Subplane.Subscription.DeletionReminder"
VM_POWER_CHANGED = "Subplane.Compute.PowerStateChanged"
INVOICE_ISSUED = "Subplane.Billing.InvoiceIssued"
PAYMENT_FAILED = "Subplane.Billing.PaymentFailed"


@dataclass(frozen=True)
class DomainEvent:
    type: str
    subject: str
    time: datetime
    data: dict[str, Any] = field(default_factory=dict)
    subscription_id: str | None = None
