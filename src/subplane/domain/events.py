"""Past-tense facts the services record in the outbox, in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_LIST = 10_000  # the most rows a list (outbox, messages, deliveries, requests) answers with: any edge's bound
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

# Event data keys whose values are never user-given text (names, tags, reasons typed by a user): states,
# dates, counts, amounts, codes. A purge keeps these and drops every other key (docs/data-retention.md),
# so a key added later is forgotten unless it is listed here.
FACT_KEYS = frozenset({
    "state", "stateReason", "previousState", "deletionDate", "daysBefore", "offerId",
    "vmsDeallocated", "ipsReleased", "storageReadOnly", "storageWritable", "resourcesChanged", "supportPlan",
    "powerState", "invoiceNumber", "amount", "currency", "dueDate", "status", "billingAccountId",
})
