"""Every promised message renders in Dutch and English; billing events are recognised by type name."""

from __future__ import annotations

import pytest

from subplane.domain.events import DomainEvent
from subplane.services.notification_texts import TEMPLATES, message_kind, render

RECIPIENT = {"display_name": "Productie", "admin": "Account Administrator", "user_principal_name": "a@x"}
DATA = {"deletionDate": "2027-02-25T02:00:00+00:00", "daysBefore": 7, "amount": "12.34", "currency": "EUR",
        "invoiceNumber": "INV-0001", "dueDate": "2027-01-15T00:00:00+00:00", "stateReason": "PastDue"}


@pytest.mark.parametrize("event_type, data, kind", [
    ("Subplane.Subscription.Cancelled", {}, "cancellationConfirmed"),
    ("Subplane.Subscription.DeletionReminder", {}, "deletionReminder"),
    ("Subplane.Billing.InvoiceIssued", {}, "invoiceIssued"),
    ("Subplane.Billing.Invoice.Issued", {}, "invoiceIssued"),
    ("Subplane.Billing.PaymentFailed", {}, "paymentFailed"),
    ("Subplane.Subscription.StateChanged", {"state": "Disabled"}, "subscriptionDisabled"),
    ("Subplane.Subscription.StateChanged", {"state": "Enabled"}, "subscriptionEnabled"),
    ("Subplane.Subscription.Reactivated", {}, "subscriptionEnabled"),
    ("Subplane.Subscription.StateChanged", {"state": "Warned"}, None),
    ("Subplane.Subscription.StateChanged", {"state": "Enabled", "previousState": "Enabled"}, None),
    ("Subplane.Subscription.StateChanged", {"state": "Enabled", "previousState": "PastDue"}, "subscriptionEnabled"),
    ("Subplane.Compute.PowerStateChanged", {}, None),
])
def test_event_types_map_to_messages(event_type, data, kind):
    assert message_kind(event_type, data) == kind


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_message_renders_without_placeholders(kind, language):
    message = render(kind, language, event_data=DATA, recipient=RECIPIENT, subscription_id="s-1")
    assert "{" not in message.subject + message.body and "Productie" in message.subject + message.body
    if kind == "cancellationConfirmed":
        assert ("25 februari 2027" if language == "nl" else "25 February 2027") in message.body
        assert "subplane blobs download" in message.body  # how to save data
    if kind == "invoiceIssued":
        assert "INV-0001" in message.subject
        assert ("€\xa012,34" if language == "nl" else "€12.34") in message.subject  # the language's money format


def test_one_day_reminder_says_one_day_and_unknown_languages_fall_back_to_english():
    one_day = render("deletionReminder", "nl", event_data={**DATA, "daysBefore": 1}, recipient=RECIPIENT,
                     subscription_id="s")
    assert "over 1 dag" in one_day.subject
    assert render("deletionReminder", "de", event_data=DATA, recipient=RECIPIENT,
                  subscription_id="s").subject.startswith("Reminder")


def test_billing_events_in_the_outbox_become_stored_messages(demo_app):
    with demo_app.uow() as uow:
        sub = uow.subscriptions.find_by_name("Productie")[0]
        uow.emit(DomainEvent("Subplane.Billing.InvoiceIssued", sub.resource_id, uow.now,
                             {"invoiceNumber": "INV-9", "amount": "1.00", "currency": "EUR"}, sub.subscription_id))
        uow.emit(DomainEvent("Subplane.Billing.PaymentFailed", sub.resource_id, uow.now,
                             {"invoiceNumber": "INV-9", "amount": "1.00", "currency": "EUR"}, sub.subscription_id))
    demo_app.notifications.render_new()
    messages = [m for m in demo_app.notifications.list() if m["subscription_id"] == sub.subscription_id]
    assert [m["kind"] for m in messages][-2:] == ["invoiceIssued", "paymentFailed"]
    assert messages[-1]["subject"] == "Betaling mislukt voor Productie" and messages[-1]["status"] == "stored"
