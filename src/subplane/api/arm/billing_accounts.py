"""Microsoft.Billing (``azure-mgmt-billing``): billing accounts with their sold-to address, billing subscriptions
(and ``cancel``, a second way to the same cancel), invoices by account and by subscription with the invoice-date
filters, their transactions (the invoice lines), and ``download``: 200 with a short-lived URL Subplane serves.

Amounts are the spec's ``Amount`` objects, ``{"currency", "value"}`` in the billing currency.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from ...domain.lifecycle import Reason, State
from ...domain.prices import meter_name
from ...services.billing_accounts import AccountView
from .errors import ArmError
from .routing import ArmRequest, ArmResponse, ArmRouter, lro, page
from .schemas import BillingCancelBody

_AREA = "billing"
_ACCOUNTS = "/providers/Microsoft.Billing/billingAccounts"
_ACCOUNT = _ACCOUNTS + "/{account}"
_BY_SUBSCRIPTION = _ACCOUNTS + "/default/billingSubscriptions/{sid}/invoices"
_INVOICE_STATUS = {"Due": "Due", "Paid": "Paid", "PastDue": "OverDue"}
_CANCEL_REASON = "Cancelled through Microsoft.Billing"


def _amount(value: Decimal, currency: str) -> dict[str, Any]:
    return {"currency": currency, "value": float(value)}


def _day(value: date | datetime) -> str:
    day = value.date() if isinstance(value, datetime) else value
    return datetime.combine(day, time(), UTC).isoformat().replace("+00:00", "Z")


def _status(sub) -> str:
    if sub.state is State.DISABLED:
        return "Cancelled" if sub.state_reason is Reason.CANCELLED else "Disabled"
    return {State.ENABLED: "Active", State.WARNED: "Warned", State.PAST_DUE: "Suspended",
            State.DELETED: "Deleted"}.get(sub.state, sub.state.value)


def render_account(view: AccountView) -> dict[str, Any]:
    a, customer = view.account, view.customer
    sold_to = {"companyName": customer.name, "addressLine1": customer.street or customer.name,
               "city": customer.city, "postalCode": customer.postal_code, "country": customer.country}
    return {"id": f"{_ACCOUNTS}/{a.billing_account_id}", "name": a.billing_account_id,
            "type": "Microsoft.Billing/billingAccounts",
            "properties": {"displayName": a.name, "accountStatus": "Active", "accountType": "Business",
                           "agreementType": "MicrosoftOnlineServicesProgram",
                           "soldTo": {k: v for k, v in sold_to.items() if v},
                           **({"taxIds": [{"id": customer.vat_id, "type": "VatId", "country": customer.country}]}
                              if customer.vat_id else {})}}


def render_billing_subscription(account_id: str, sub) -> dict[str, Any]:
    return {"id": f"{_ACCOUNTS}/{account_id}/billingSubscriptions/{sub.subscription_id}", "name": sub.subscription_id,
            "type": "Microsoft.Billing/billingAccounts/billingSubscriptions",
            "properties": {"displayName": sub.display_name, "subscriptionId": sub.subscription_id,
                           "status": _status(sub), "offerId": sub.offer_id, "skuId": sub.offer_id,
                           "productCategory": "Azure", "billingFrequency": "P1M",
                           "resourceUri": f"/subscriptions/{sub.subscription_id}"}}


def render_invoice(invoice, base: str) -> dict[str, Any]:
    c = invoice.currency
    owed = invoice.total if invoice.status != "Paid" else Decimal("0.00")
    return {"id": f"{base}/{invoice.invoice_number}", "name": invoice.invoice_number,
            "type": "Microsoft.Billing/billingAccounts/invoices",
            "properties": {"invoiceDate": _day(invoice.invoice_date), "dueDate": _day(invoice.due_date),
                           "invoicePeriodStartDate": _day(invoice.period_start),
                           "invoicePeriodEndDate": _day(invoice.period_end),
                           "status": _INVOICE_STATUS.get(invoice.status, invoice.status), "documentType": "Invoice",
                           "invoiceType": "AzureServices", "isMonthlyInvoice": True,
                           "subscriptionId": invoice.subscription_id,
                           "subscriptionDisplayName": invoice.subscription_name or invoice.subscription_id,
                           "amountDue": _amount(owed, c), "billedAmount": _amount(invoice.total, c),
                           "subTotal": _amount(invoice.subtotal, c), "taxAmount": _amount(invoice.tax, c),
                           "totalAmount": _amount(invoice.total, c), "creditAmount": _amount(invoice.credits, c),
                           "freeAzureCreditApplied": _amount(invoice.credits, c)}}


def render_transaction(account_id: str, invoice, line) -> dict[str, Any]:
    c = invoice.currency
    name = f"{invoice.invoice_number}-{line.line_no}"
    return {"id": f"{_ACCOUNTS}/{account_id}/transactions/{name}", "name": name,
            "type": "Microsoft.Billing/billingAccounts/transactions",
            "properties": {"kind": "Other", "transactionType": "Billed", "date": _day(line.from_at),
                           "invoice": invoice.invoice_number, "invoiceId": f"{_ACCOUNTS}/{account_id}/invoices/"
                                                                            f"{invoice.invoice_number}",
                           "productDescription": meter_name(line.meter), "productFamily": line.meter.split("/")[0],
                           # the spec's quantity is a whole count purchased; metered usage is its number "units"
                           "partNumber": line.meter, "units": float(line.quantity), "unitOfMeasure": line.unit,
                           "billingCurrency": c, "pricingCurrency": c,
                           "effectivePrice": _amount(line.unit_price, c), "marketPrice": _amount(line.unit_price, c),
                           "subTotal": _amount(line.amount, c), "transactionAmount": _amount(line.amount, c),
                           "servicePeriodStartDate": line.from_at.isoformat().replace("+00:00", "Z"),
                           "servicePeriodEndDate": line.to_at.isoformat().replace("+00:00", "Z"),
                           "subscriptionId": line.subscription_id}}


def _date(ctx: ArmRequest, name: str) -> date | None:
    text = ctx.q(name)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ArmError(400, "InvalidPeriodDate", f"{name} must be a date (YYYY-MM-DD), not {text!r}.") from None


def register(router: ArmRouter) -> None:
    @router.route("GET", _ACCOUNTS, area=_AREA, resource_type="Microsoft.Billing/billingAccounts")
    def list_accounts(ctx: ArmRequest):
        return page(ctx, [render_account(v) for v in ctx.app.billing_accounts.accounts(actor=ctx.actor)])

    @router.route("GET", _ACCOUNT, area=_AREA, resource_type="Microsoft.Billing/billingAccounts")
    def get_account(ctx: ArmRequest):
        return render_account(ctx.app.billing_accounts.account(actor=ctx.actor, name=ctx.params["account"]))

    _register_subscriptions(router)
    _register_invoices(router)


def _register_subscriptions(router: ArmRouter) -> None:
    base = _ACCOUNT + "/billingSubscriptions"
    resource_type = "Microsoft.Billing/billingAccounts/billingSubscriptions"

    @router.route("GET", base, area=_AREA, resource_type=resource_type)
    def list_subscriptions(ctx: ArmRequest):
        account = ctx.params["account"]
        subs = ctx.app.billing_accounts.subscriptions(actor=ctx.actor, name=account)
        return page(ctx, [render_billing_subscription(account, s) for s in subs])

    @router.route("GET", base + "/{sid}", area=_AREA, resource_type=resource_type)
    def get_subscription(ctx: ArmRequest):
        sub = ctx.app.billing_accounts.subscription(actor=ctx.actor, name=ctx.params["account"],
                                                    subscription_id=ctx.params["sid"])
        return render_billing_subscription(ctx.params["account"], sub)

    @router.route("POST", base + "/{sid}/cancel", area=_AREA, resource_type=resource_type, body=BillingCancelBody)
    def cancel(ctx: ArmRequest):
        sub = ctx.app.billing_accounts.subscription(actor=ctx.actor, name=ctx.params["account"],
                                                    subscription_id=ctx.params["sid"])
        reason = (ctx.model.cancellationReason if ctx.model else None) or _CANCEL_REASON
        ctx.app.subscriptions.cancel(actor=ctx.actor, ref=sub.subscription_id, reason=reason,
                                     turn_off_resources=ctx.flag("IgnoreResourceCheck"))
        return lro(ctx, "BillingSubscriptions_Cancel", 202, subscription=sub.subscription_id)


def _register_invoices(router: ArmRouter) -> None:
    resource_type = "Microsoft.Billing/billingAccounts/invoices"

    @router.route("GET", _ACCOUNT + "/invoices", area=_AREA, resource_type=resource_type)
    def list_by_account(ctx: ArmRequest):
        account = ctx.params["account"]
        found = ctx.app.billing_accounts.invoices(actor=ctx.actor, name=account,
                                                  period_start=_date(ctx, "periodStartDate"),
                                                  period_end=_date(ctx, "periodEndDate"))
        return page(ctx, [render_invoice(i, f"{_ACCOUNTS}/{account}/invoices") for i in found])

    @router.route("GET", _ACCOUNT + "/invoices/{invoice}", area=_AREA, resource_type=resource_type)
    def get_by_account(ctx: ArmRequest):
        account = ctx.params["account"]
        found = ctx.app.billing_accounts.invoice(actor=ctx.actor, name=account, invoice=ctx.params["invoice"])
        return render_invoice(found, f"{_ACCOUNTS}/{account}/invoices")

    @router.route("GET", _ACCOUNT + "/invoices/{invoice}/transactions", area=_AREA,
                  resource_type="Microsoft.Billing/billingAccounts/transactions")
    def transactions(ctx: ArmRequest):
        account = ctx.params["account"]
        found = ctx.app.billing_accounts.invoice(actor=ctx.actor, name=account, invoice=ctx.params["invoice"])
        return page(ctx, [render_transaction(account, found, line) for line in found.lines])

    @router.route("POST", _ACCOUNT + "/invoices/{invoice}/download", area=_AREA, resource_type=resource_type)
    def download_by_account(ctx: ArmRequest):
        found = ctx.app.billing_accounts.invoice(actor=ctx.actor, name=ctx.params["account"],
                                                 invoice=ctx.params["invoice"])
        return _download(ctx, found)

    @router.route("GET", _BY_SUBSCRIPTION, area=_AREA, resource_type=resource_type)
    def list_by_subscription(ctx: ArmRequest):
        found = ctx.app.billing_accounts.invoices(actor=ctx.actor, subscription=ctx.params["sid"],
                                                  period_start=_date(ctx, "periodStartDate"),
                                                  period_end=_date(ctx, "periodEndDate"))
        return page(ctx, [render_invoice(i, f"{_ACCOUNTS}/default/billingSubscriptions/{ctx.params['sid']}/invoices")
                          for i in found])

    @router.route("GET", _BY_SUBSCRIPTION + "/{invoice}", area=_AREA, resource_type=resource_type)
    def get_by_subscription(ctx: ArmRequest):
        found = ctx.app.billing_accounts.invoice(actor=ctx.actor, name=None, invoice=ctx.params["invoice"],
                                                 subscription=ctx.params["sid"])
        return render_invoice(found, f"{_ACCOUNTS}/default/billingSubscriptions/{ctx.params['sid']}/invoices")

    @router.route("POST", _BY_SUBSCRIPTION + "/{invoice}/download", area=_AREA, resource_type=resource_type)
    def download_by_subscription(ctx: ArmRequest):
        found = ctx.app.billing_accounts.invoice(actor=ctx.actor, name=None, invoice=ctx.params["invoice"],
                                                 subscription=ctx.params["sid"])
        return _download(ctx, found)


def _download(ctx: ArmRequest, invoice) -> ArmResponse:
    """The spec's 200 (beside 202): the document is ready at once, behind a link that expires within the hour."""
    link = ctx.app.billing_accounts.document_link(invoice_id=invoice.invoice_id,
                                                  kind=(ctx.q("documentName") or "pdf").lower())
    return ArmResponse(200, {"url": f"{ctx.base_url}/billing/documents/{link.url_token}",
                             "expiryTime": link.expires_at.isoformat().replace("+00:00", "Z")})
