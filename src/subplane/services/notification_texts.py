"""The lifecycle's messages to the account administrator, in Dutch and English.

Each message is chosen by event type (billing types are matched by name, so new billing events
need no change here) and rendered from the event's data. Unknown languages fall back to English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from ..formatting import Formatter

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
}


@dataclass(frozen=True)
class Message:
    kind: str
    subject: str
    body: str


TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "budgetThresholdCrossed": {
        "en": ("Budget {budget} of {name} has passed {threshold}%",
               "Hello {admin},\n\nThe actual cost of subscription {name} ({subscriptionId}) in the current period of "
               "budget {budget} is {spent}: past {threshold}% of the budget's {budgetAmount}.\n\n— Subplane\n"),
        "nl": ("Budget {budget} van {name} is {threshold}% gepasseerd",
               "Beste {admin},\n\nDe werkelijke kosten van abonnement {name} ({subscriptionId}) in de huidige periode "
               "van budget {budget} zijn {spent}: meer dan {threshold}% van het budget van {budgetAmount}.\n\n"
               "— Subplane\n"),
    },
    "cancellationConfirmed": {
        "en": ("Subscription {name} is cancelled; it will be deleted on {deletionDate}",
               "Hello {admin},\n\nSubscription {name} ({subscriptionId}) was cancelled. Its resources are turned "
               "off and it can no longer be changed.\n\nYour data is kept until {deletionDate}. Until then you can "
               "still read and download your files (for example with the portal, `subplane blobs download`, or "
               "any Azure Storage client), and you can reactivate the subscription to keep everything.\n\n"
               "On {deletionDate} the subscription and all its data are deleted permanently.\n\n— Subplane\n"),
        "nl": ("Abonnement {name} is opgezegd; het wordt verwijderd op {deletionDate}",
               "Beste {admin},\n\nAbonnement {name} ({subscriptionId}) is opgezegd. De resources zijn "
               "uitgeschakeld en het abonnement kan niet meer worden gewijzigd.\n\nUw gegevens blijven bewaard tot "
               "{deletionDate}. Tot die datum kunt u uw bestanden nog lezen en downloaden (bijvoorbeeld via de "
               "portal, `subplane blobs download` of een Azure Storage-client), en kunt u het abonnement "
               "heractiveren om alles te behouden.\n\nOp {deletionDate} worden het abonnement en al zijn gegevens "
               "definitief verwijderd.\n\n— Subplane\n"),
    },
    "deletionReminder": {
        "en": ("Reminder: subscription {name} will be deleted in {days}",
               "Hello {admin},\n\nSubscription {name} ({subscriptionId}) will be deleted permanently on "
               "{deletionDate}, in {days}. Save any data you want to keep before then, or reactivate the "
               "subscription.\n\n— Subplane\n"),
        "nl": ("Herinnering: abonnement {name} wordt over {days} verwijderd",
               "Beste {admin},\n\nAbonnement {name} ({subscriptionId}) wordt op {deletionDate}, over {days}, "
               "definitief verwijderd. Bewaar voor die datum de gegevens die u wilt houden, of heractiveer het "
               "abonnement.\n\n— Subplane\n"),
    },
    "invoiceIssued": {
        "en": ("Invoice {invoice} for {name}: {amount}",
               "Hello {admin},\n\nInvoice {invoice} of {amount} for subscription {name} has been issued. "
               "It is due on {dueDate}.\n\n— Subplane\n"),
        "nl": ("Factuur {invoice} voor {name}: {amount}",
               "Beste {admin},\n\nFactuur {invoice} van {amount} voor abonnement {name} is uitgegeven. "
               "De vervaldatum is {dueDate}.\n\n— Subplane\n"),
    },
    "paymentFailed": {
        "en": ("Payment failed for {name}",
               "Hello {admin},\n\nThe payment of {amount} for subscription {name} (invoice {invoice}) failed. "
               "Please update your payment method to avoid the subscription being disabled.\n\n— Subplane\n"),
        "nl": ("Betaling mislukt voor {name}",
               "Beste {admin},\n\nDe betaling van {amount} voor abonnement {name} (factuur {invoice}) is mislukt. "
               "Werk uw betaalmethode bij om te voorkomen dat het abonnement wordt uitgeschakeld.\n\n— Subplane\n"),
    },
    "subscriptionDisabled": {
        "en": ("Subscription {name} is disabled",
               "Hello {admin},\n\nSubscription {name} ({subscriptionId}) has been disabled ({reason}). Its "
               "resources are turned off; your data is kept.\n\n— Subplane\n"),
        "nl": ("Abonnement {name} is uitgeschakeld",
               "Beste {admin},\n\nAbonnement {name} ({subscriptionId}) is uitgeschakeld ({reason}). De resources "
               "zijn uitgezet; uw gegevens blijven bewaard.\n\n— Subplane\n"),
    },
    "subscriptionEnabled": {
        "en": ("Subscription {name} is enabled again",
               "Hello {admin},\n\nSubscription {name} ({subscriptionId}) is enabled again. You can start your "
               "resources and make changes as before.\n\n— Subplane\n"),
        "nl": ("Abonnement {name} is weer ingeschakeld",
               "Beste {admin},\n\nAbonnement {name} ({subscriptionId}) is weer ingeschakeld. U kunt uw resources "
               "starten en wijzigingen aanbrengen zoals voorheen.\n\n— Subplane\n"),
    },
}

DAYS = {"en": ("1 day", "{n} days"), "nl": ("1 dag", "{n} dagen")}


def message_kind(event_type: str, data: dict[str, Any]) -> str | None:
    """Which message (if any) an outbox event asks for."""
    name = event_type.replace(".", "").lower()
    if name.endswith("subscriptioncancelled"):
        return "cancellationConfirmed"
    if name.endswith("deletionreminder"):
        return "deletionReminder"
    if name.endswith("invoiceissued"):
        return "invoiceIssued"
    if name.endswith("paymentfailed"):
        return "paymentFailed"
    if name.endswith("subscriptionreactivated"):
        return "subscriptionEnabled"
    if name.endswith("budgetthresholdcrossed"):
        return "budgetThresholdCrossed"
    if name.endswith("subscriptionstatechanged"):
        state = data.get("state")
        if state == data.get("previousState"):
            return None  # e.g. an offer switch: nothing was disabled or enabled
        if data.get("previousState") == "Warned" and state == "Enabled":
            return None  # a warning that cleared: the subscription was never off
        return {"Disabled": "subscriptionDisabled", "Enabled": "subscriptionEnabled"}.get(str(state))
    return None


def format_date(value: str | datetime | None, language: str, zone: tzinfo = UTC) -> str:
    """The day an instant falls on where the reader lives."""
    if not value:
        return "—"
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    instant = (instant if instant.tzinfo else instant.replace(tzinfo=UTC)).astimezone(zone)
    months = MONTHS.get(language, MONTHS["en"])
    return f"{instant.day} {months[instant.month - 1]} {instant.year}"


def render(kind: str, language: str, *, event_data: dict[str, Any], recipient: dict[str, Any], subscription_id: str | None,
           zone: tzinfo = UTC) -> Message:
    """``zone``: where the reader lives, for the deletion instant's day; a due date is a calendar date."""
    language = language if language in TEMPLATES[kind] else "en"
    subject, body = TEMPLATES[kind][language]
    days = int(event_data.get("daysBefore", 0) or 0)
    one, many = DAYS[language]
    amount = event_data.get("amount", event_data.get("total"))
    currency = event_data.get("currency", "")
    values = {
        "name": recipient.get("display_name") or event_data.get("displayName") or subscription_id,
        "admin": recipient.get("admin") or recipient.get("user_principal_name"),
        "subscriptionId": subscription_id,
        "deletionDate": format_date(event_data.get("deletionDate"), language, zone),
        "days": one if days == 1 else many.format(n=days),
        "reason": event_data.get("stateReason") or "—",
        "invoice": event_data.get("invoiceNumber") or event_data.get("invoiceId") or "—",
        "amount": _money(amount, currency, language),
        "dueDate": format_date(event_data.get("dueDate"), language),
        "budget": event_data.get("budgetName") or "—",
        "threshold": event_data.get("threshold") or "—",
        "spent": _money(event_data.get("spent"), currency, language),
        "budgetAmount": _money(amount, currency, language),
    }
    return Message(kind, subject.format(**values), body.format(**values))


def _money(amount: Decimal | str | None, currency: str, language: str) -> str:
    """In the message's language, as the portal and the invoice write it (``€ 13,47``, ``€13.47``)."""
    if amount is None:
        return "—"
    try:
        return Formatter(language).money(Decimal(str(amount)), currency) if currency else str(amount)
    except (InvalidOperation, ValueError):
        return f"{currency} {amount}".strip()
