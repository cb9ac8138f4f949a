"""Billing accounts as Microsoft.Billing shows them: the accounts a principal may see, their subscriptions and
invoices, and short-lived links to an invoice's documents (PDF, UBL).

Who sees an account: its Account Administrator, a principal holding a billing role on it (stored as data), the
operator. Their invoices are the account's; a Reader of one subscription sees that subscription's invoices
through the subscription-scope calls, as billing's own reads decide.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..adapters.db.arm_repo import BillingRoleRepo
from ..adapters.db.directory_repo import BillingAccount
from ..domain.access import SYSTEM, Principal
from ..domain.billing import Invoice, InvoiceStatus
from ..domain.errors import Forbidden, InvalidInput, NotFound
from ..domain.invoice_parties import Party
from ..domain.lifecycle import Subscription
from .invoice_parties import customer_of
from .unit_of_work import UnitOfWork

DOCUMENT_KINDS = ("pdf", "ubl")
LINK_LIFETIME = timedelta(hours=1)  # wall clock: a download link is for people and tools, not simulated time


class InvoiceReads(Protocol):
    def list_invoices(self, *, actor: Principal, subscription: str | None = None,
                      status: InvoiceStatus | None = None) -> list[Invoice]: ...

    def get_invoice(self, *, actor: Principal, ref: str) -> Invoice: ...

    def invoice_pdf(self, *, actor: Principal, ref: str) -> bytes: ...

    def invoice_ubl(self, *, actor: Principal, ref: str) -> bytes: ...


class SecretSource(Protocol):
    def shared(self, name: str, make: Callable[[], str]) -> str: ...


@dataclass(frozen=True)
class AccountView:
    account: BillingAccount
    customer: Party


@dataclass(frozen=True)
class DocumentLink:
    url_token: str
    expires_at: datetime


class BillingAccountService:
    def __init__(self, uow: Callable[..., UnitOfWork], invoices: InvoiceReads, secrets_source: SecretSource) -> None:
        self._uow = uow
        self._invoices = invoices
        self._secrets = secrets_source

    # accounts -----------------------------------------------------------------------------------------
    def accounts(self, *, actor: Principal) -> list[AccountView]:
        with self._uow(read_only=True) as uow:
            return [AccountView(a, customer_of(uow, a.billing_account_id)) for a in uow.directory.list_billing_accounts()
                    if self._may_see(uow, actor, a)]

    def account(self, *, actor: Principal, name: str) -> AccountView:
        with self._uow(read_only=True) as uow:
            found = self._visible(uow, actor, name)
            return AccountView(found, customer_of(uow, found.billing_account_id))

    def subscriptions(self, *, actor: Principal, name: str) -> list[Subscription]:
        with self._uow(read_only=True) as uow:
            found = self._visible(uow, actor, name)
            return uow.subscriptions.list(billing_account_id=found.billing_account_id)

    def subscription(self, *, actor: Principal, name: str, subscription_id: str) -> Subscription:
        for sub in self.subscriptions(actor=actor, name=name):
            if sub.subscription_id == subscription_id.lower():
                return sub
        raise NotFound("BillingSubscriptionNotFound", f"The billing subscription '{subscription_id}' was not found.")

    # invoices ------------------------------------------------------------------------------------------
    def invoices(self, *, actor: Principal, name: str | None = None, subscription: str | None = None,
                 period_start: date | None = None, period_end: date | None = None) -> list[Any]:
        """By account (its administrator or billing roles) or by subscription (whoever reads it); ``period_*``
        filter on the invoice date, as Microsoft.Billing's periodStartDate/periodEndDate do."""
        if name is not None:
            with self._uow(read_only=True) as uow:
                account = self._visible(uow, actor, name)
            # whoever may see the account sees all of its invoices: billing's reads are asked as the system
            found = [i for i in self._invoices.list_invoices(actor=SYSTEM)
                     if i.billing_account_id == account.billing_account_id]
        else:
            found = self._invoices.list_invoices(actor=actor, subscription=subscription)
        return [i for i in found if (period_start is None or i.invoice_date >= period_start)
                and (period_end is None or i.invoice_date <= period_end)]

    def invoice(self, *, actor: Principal, name: str | None, invoice: str, subscription: str | None = None) -> Invoice:
        if name is not None:
            with self._uow(read_only=True) as uow:
                account = self._visible(uow, actor, name)
            found = self._invoices.get_invoice(actor=SYSTEM, ref=invoice)
            if found.billing_account_id != account.billing_account_id:
                raise NotFound("InvoiceNotFound", f"The invoice '{invoice}' was not found.")
            return found
        found = self._invoices.get_invoice(actor=actor, ref=invoice)
        if subscription is not None and found.subscription_id != subscription.lower():
            raise NotFound("InvoiceNotFound", f"The invoice '{invoice}' was not found.")
        return found

    def document_link(self, *, invoice_id: str, kind: str) -> DocumentLink:
        """A bearer link to one document of an invoice the caller has just been allowed to read."""
        if kind not in DOCUMENT_KINDS:
            raise InvalidInput("InvalidDocumentName", f"documentName must be one of {', '.join(DOCUMENT_KINDS)}.")
        token = self._signer().dumps({"invoice": invoice_id, "kind": kind})
        return DocumentLink(token, datetime.now(UTC) + LINK_LIFETIME)

    def document(self, token: str) -> tuple[str, bytes, str]:
        """(file name, bytes, media type) for a link's token; refused once expired or when forged."""
        try:
            claims = self._signer().loads(token, max_age=int(LINK_LIFETIME.total_seconds()))
        except SignatureExpired:
            raise Forbidden("DocumentLinkExpired", "This download link has expired; ask for a new one.") from None
        except BadSignature:
            raise NotFound("DocumentNotFound", "No document has this link.") from None
        system = SYSTEM
        invoice = self._invoices.get_invoice(actor=system, ref=claims["invoice"])
        if claims["kind"] == "ubl":
            return f"{invoice.invoice_number}.xml", self._invoices.invoice_ubl(actor=system, ref=invoice.invoice_id), \
                "application/xml"
        return f"{invoice.invoice_number}.pdf", self._invoices.invoice_pdf(actor=system, ref=invoice.invoice_id), \
            "application/pdf"

    # helpers -------------------------------------------------------------------------------------------
    def _signer(self) -> URLSafeTimedSerializer:
        secret = self._secrets.shared("billing-document-links", lambda: secrets.token_urlsafe(32))
        return URLSafeTimedSerializer(secret, salt="subplane-billing-document")

    @staticmethod
    def _may_see(uow: UnitOfWork, actor: Principal, account: BillingAccount) -> bool:
        return actor.is_privileged or account.admin_user_id == actor.principal_id or \
            bool(BillingRoleRepo(uow.conn).roles_of(account.billing_account_id, actor.principal_id))

    def _visible(self, uow: UnitOfWork, actor: Principal, name: str) -> BillingAccount:
        try:
            found = uow.directory.billing_account(name)
        except NotFound:
            found = None
        if found is None or not self._may_see(uow, actor, found):
            raise NotFound("BillingAccountNotFound", f"The billing account '{name}' was not found.", name=name)
        return found
