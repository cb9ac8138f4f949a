"""`subplane invoices ...`, `subplane usage`, `subplane billing ...`, and the billing commands of
`subplane subscriptions` (preview-cancel, switch-offer, upgrade)."""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ..domain.billing import InvoiceStatus
from ..domain.errors import InvalidInput
from .common import AsOption, CliContext, command, command_group, subscription_ref
from .render import console, emit_json, estimate_json, instant, state_text, subscription_json, table

invoices_app = command_group(no_args_is_help=True)
billing_app = command_group(no_args_is_help=True)
root_commands = command_group()
SubArg = Annotated[str, typer.Argument(help="Subscription id or display name (capitals ignored where that is unique).")]
InvoiceArg = Annotated[str, typer.Argument(help="Invoice number or id.")]
AccountArg = Annotated[str, typer.Argument(help="Billing account id or name.")]


# JSON shapes (stable names a script reads) ---------------------------------------------------
def invoice_json(invoice, *, with_lines: bool = True) -> dict[str, Any]:
    data = {
        "invoiceNumber": invoice.invoice_number, "invoiceId": invoice.invoice_id,
        "billingAccount": invoice.billing_account_id, "subscriptionId": invoice.subscription_id,
        "invoiceDate": invoice.invoice_date.isoformat(), "dueDate": invoice.due_date.isoformat(),
        "periodStart": instant(invoice.period_start), "periodEnd": instant(invoice.period_end),
        "currency": invoice.currency, "subtotal": str(invoice.subtotal), "credits": str(invoice.credits),
        "taxRate": str(invoice.tax_rate), "tax": str(invoice.tax), "total": str(invoice.total),
        "status": invoice.status, "paidAt": instant(invoice.paid_at),
    }
    if with_lines:
        data["lines"] = [{"subscriptionId": line.subscription_id, "resourceId": line.resource_id, "meter": line.meter,
                          "unit": line.unit, "quantity": str(line.quantity), "unitPrice": str(line.unit_price),
                          "amount": str(line.amount), "from": instant(line.from_at), "to": instant(line.to_at)}
                         for line in invoice.lines]
    return data





def _parse_instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("InvalidInstant", f"{text!r} is not a date or instant: use ISO 8601, e.g. 2026-11-27 "
                                             "or 2026-11-27T09:30:00Z.") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# invoices ------------------------------------------------------------------------------------
@command(invoices_app, "list")
def list_invoices(*, cli: CliContext, subscription: Annotated[str | None, typer.Option("--subscription", "-s")] = None,
                  status: Annotated[str | None, typer.Option(help="Due, Paid or PastDue.")] = None,
                  as_: AsOption = None) -> None:
    """The invoices you can see, oldest first."""
    invoices = cli.app.billing.list_invoices(actor=cli.app.directory.principal(as_), subscription=subscription,
                                             status=_invoice_status(status))
    if cli.json:
        emit_json([invoice_json(i, with_lines=False) for i in invoices])
        return
    names = _subscription_names(cli, as_)
    table("Invoices", ["Number", "Date", "Subscription", "Period", "Total", "Status"],
          [(i.invoice_number, i.invoice_date, names.get(i.subscription_id, i.subscription_id),
            f"{i.period_start.date()} – {i.period_end.date()}", f"{i.currency} {i.total}", i.status) for i in invoices],
          whole=("Number",))


def _subscription_names(cli: CliContext, as_: str | None) -> dict[str, str]:
    return {s.subscription_id: s.display_name for s in cli.app.subscriptions.list(actor=cli.app.directory.principal(as_))}


def _invoice_status(text: str | None) -> InvoiceStatus | None:
    if text is None:
        return None
    try:
        return InvoiceStatus(text)
    except ValueError:
        raise InvalidInput("InvalidInvoiceStatus", f"--status must be one of "
                                                   f"{', '.join(s.value for s in InvoiceStatus)}, not {text!r}.") from None


@command(invoices_app, "show")
def show_invoice(invoice: InvoiceArg, *, cli: CliContext, as_: AsOption = None) -> None:
    """One invoice with its lines: what, how much, from when to when."""
    found = cli.app.billing.get_invoice(actor=cli.app.directory.principal(as_), ref=invoice)
    if cli.json:
        emit_json(invoice_json(found))
        return
    console.print(f"[bold]Invoice {found.invoice_number}[/] ({found.status}), dated {found.invoice_date}, "
                  f"due {found.due_date}")
    name = _subscription_names(cli, as_).get(found.subscription_id)
    console.print(f"  Period {instant(found.period_start)} – {instant(found.period_end)}, subscription "
                  f"{name + ' ' if name else ''}{found.subscription_id}")
    table("Lines", ["Resource", "Meter", "Quantity", "Unit price", "Amount", "From", "To"],
          [(line.resource_id.rsplit("/", 1)[-1], line.meter, line.quantity, line.unit_price, line.amount, instant(line.from_at),
            instant(line.to_at)) for line in found.lines])
    vat = f"VAT {(found.tax_rate * 100).normalize():f}%"
    for label, value in (("Subtotal", found.subtotal), ("Credits", -found.credits), (vat, found.tax),
                         ("Total", found.total)):
        console.print(f"  {label:>12}: {found.currency} {value}")


@command(invoices_app, "pdf")
def invoice_pdf(invoice: InvoiceArg, *, cli: CliContext,
                out: Annotated[Path | None, typer.Option("--out", help="File to write (default: <number>.pdf).")] = None,
                as_: AsOption = None) -> None:
    """Write the invoice as a PDF in the billing account's language."""
    _write_document(cli, invoice, out, as_, "pdf", cli.app.billing.invoice_pdf)


@command(invoices_app, "ubl")
def invoice_ubl(invoice: InvoiceArg, *, cli: CliContext,
                out: Annotated[Path | None, typer.Option("--out", help="File to write (default: <number>.xml).")] = None,
                as_: AsOption = None) -> None:
    """Write the invoice as UBL 2.1 XML (Peppol BIS Billing 3.0 / EN 16931), the e-invoice beside the PDF."""
    _write_document(cli, invoice, out, as_, "xml", cli.app.billing.invoice_ubl)


def _write_document(cli: CliContext, invoice: str, out: Path | None, as_: str | None, suffix: str, render) -> None:
    actor = cli.app.directory.principal(as_)
    found = cli.app.billing.get_invoice(actor=actor, ref=invoice)
    target = out or Path(f"{found.invoice_number}.{suffix}")
    target.write_bytes(render(actor=actor, ref=found.invoice_id))
    emit_json({"file": str(target)}) if cli.json else console.print(f"Wrote {target}")


# usage ---------------------------------------------------------------------------------------
@command(root_commands, "usage")
def usage(subscription: SubArg, *, cli: CliContext,
          start: Annotated[str | None, typer.Option("--from", help="ISO instant (default: period start).")] = None,
          end: Annotated[str | None, typer.Option("--to", help="ISO instant (default: now).")] = None,
          as_csv: Annotated[bool, typer.Option("--csv", help="CSV on standard output.")] = False,
          as_: AsOption = None) -> None:
    """Usage per day, resource and meter, with the amount each accrued."""
    actor = cli.app.directory.principal(as_)
    rows = cli.app.billing.usage(actor=actor, ref=subscription_ref(cli, actor, subscription),
                                 start=_parse_instant(start), end=_parse_instant(end))
    if as_csv:
        fields = ["date", "subscriptionId", "resourceId", "meter", "unit", "quantity", "unitPrice", "amount", "currency",
                  "from", "to"]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows({**r, "from": instant(r["from"]), "to": instant(r["to"])} for r in rows)
        return
    if cli.json:
        emit_json(rows)
        return
    table("Usage", ["Date", "Resource", "Meter", "Quantity", "Amount"],
          [(r["date"], r["resourceId"].rsplit("/", 1)[-1], r["meter"], r["quantity"], r["amount"]) for r in rows])


# billing -------------------------------------------------------------------------------------
@command(billing_app, "customer")
def billing_customer(account: Annotated[str, typer.Argument(help="Billing account name or id.")], *, cli: CliContext,
                     company: Annotated[str, typer.Option("--company", help="The customer's legal name.")],
                     street: Annotated[str, typer.Option("--street", help="Street and number.")] = "",
                     postal_code: Annotated[str, typer.Option("--postal-code")] = "",
                     city: Annotated[str, typer.Option("--city")] = "",
                     vat_id: Annotated[str, typer.Option("--vat-id", help="VAT number with its country code "
                                                                           "(an EU one elsewhere than the seller: "
                                                                           "reverse charge).")] = "",
                     registration: Annotated[str, typer.Option("--registration",
                                                               help="e.g. 'KvK 12345678'.")] = "",
                     as_: AsOption = None) -> None:
    """Set the customer details invoices of this billing account carry (its administrator, or the operator)."""
    party = cli.app.customer_details.set(actor=cli.app.directory.principal(as_), account=account,
                                         company_name=company, street=street, postal_code=postal_code, city=city,
                                         vat_id=vat_id, registration=registration)
    if cli.json:
        emit_json({"name": party.name, "address": party.address_lines, "vatId": party.vat_id,
                   "registration": party.registration})
        return
    console.print(f"Invoices of {account} go to {party.name}, {', '.join(party.address_lines)}"
                  + (f" (VAT {party.vat_id})" if party.vat_id else "") + ".")


@command(billing_app, "pay")
def pay(invoice: InvoiceArg, *, cli: CliContext,
        method: Annotated[str, typer.Option(help="card or transfer.")] = "card", as_: AsOption = None) -> None:
    """Pay one invoice now."""
    paid = cli.app.billing.pay(actor=cli.app.directory.principal(as_), invoice=invoice, method=method)
    emit_json(invoice_json(paid, with_lines=False)) if cli.json else console.print(
        f"Invoice {paid.invoice_number}: {paid.status} ({paid.currency} {paid.total})")


@command(billing_app, "settle")
def settle(account: AccountArg, *, cli: CliContext, as_: AsOption = None) -> None:
    """Pay every open invoice of a billing account; past-due subscriptions are enabled again."""
    paid = cli.app.billing.settle(actor=cli.app.directory.principal(as_), account=account)
    if cli.json:
        emit_json([invoice_json(i, with_lines=False) for i in paid])
        return
    console.print(f"Settled {len(paid)} invoice(s): " + ", ".join(i.invoice_number for i in paid))


@command(billing_app, "card")
def card(account: AccountArg, *, cli: CliContext,
         fail: Annotated[bool | None, typer.Option(
             "--fail/--ok", help="Make the emulated card decline (or pay); without either, show it.")] = None,
         label: Annotated[str | None, typer.Option(help="How the card is shown; adds a card when there is none.")] = None,
         remove: Annotated[bool, typer.Option("--remove", help="Take the card off file (no payment method).")] = False,
         as_: AsOption = None) -> None:
    """Show or set the billing account's emulated payment card: one that pays on the due date, one that fails,
    or none (then only offers with credit can be signed up for, and card payments fail)."""
    profile = cli.app.billing.set_card(actor=cli.app.directory.principal(as_), account=account, fails=fail, label=label,
                                       remove=remove)
    data = {"billingAccount": profile.billing_account_id, "card": profile.card_label or None,
            "fails": profile.card_fails, "hasCard": profile.has_card}
    if cli.json:
        emit_json(data)
    elif not data["hasCard"]:
        console.print("No card on file: card payments fail, and only offers with credit can be signed up for.")
    else:
        console.print(f"{data['card']}: {'declines' if data['fails'] else 'pays on the due date'}")


@command(billing_app, "estimate")
def estimate(subscription: SubArg, *, cli: CliContext, as_: AsOption = None) -> None:
    """Charges accrued so far this billing period, and the credit still to apply."""
    actor = cli.app.directory.principal(as_)
    est = cli.app.billing.estimate(actor=actor, ref=subscription_ref(cli, actor, subscription))
    data = {"subscriptionId": est.subscription_id, "currency": est.currency, "periodStart": instant(est.period_start),
            "periodEnd": instant(est.period_end), "invoiceDate": est.invoice_date.isoformat(), "charges": str(est.charges),
            "credits": str(est.credits_to_apply), "creditsRemaining": str(est.credits_remaining), "tax": str(est.tax),
            "total": str(est.total),
            "daily": [{"date": d.isoformat(), "meter": m, "amount": str(a)} for d, m, a in est.daily]}
    if cli.json:
        emit_json(data)
        return
    for key in ("periodStart", "periodEnd", "invoiceDate", "charges", "credits", "creditsRemaining", "tax", "total"):
        console.print(f"  {key:>16}: {data[key]}")


@command(billing_app, "support")
def support(subscription: SubArg, *, cli: CliContext,
            plan: Annotated[str | None, typer.Option(help="Developer, Standard or ProfessionalDirect; omit to end the plan.")] = None,
            auto_renew: Annotated[bool, typer.Option("--auto-renew/--no-auto-renew")] = True, as_: AsOption = None) -> None:
    """Buy, change or end a support plan (billed per started month, no proration)."""
    actor = cli.app.directory.principal(as_)
    found = cli.app.billing.set_support_plan(actor=actor, ref=subscription_ref(cli, actor, subscription), plan=plan,
                                             auto_renew=auto_renew)
    data = {"plan": found.plan if found else None, "autoRenew": found.auto_renew if found else None,
            "active": bool(found and found.ended_at is None)}
    if cli.json:
        emit_json(data)
    elif data["active"]:
        renew = "renews each month" if data["autoRenew"] else "ends with its month (auto-renew off)"
        console.print(f"Support plan {data['plan']}: active, billed per started month; {renew}.")
    else:
        console.print("No active support plan.")


@command(billing_app, "remove-spending-limit")
def remove_spending_limit(subscription: SubArg, *, cli: CliContext, as_: AsOption = None) -> None:
    """Remove a credit offer's spending limit (Visual Studio): usage beyond the credit is billed; a subscription
    the limit disabled is enabled again."""
    actor = cli.app.directory.principal(as_)
    sub = cli.app.billing.remove_spending_limit(actor=actor, ref=subscription_ref(cli, actor, subscription))
    emit_json(subscription_json(sub)) if cli.json else console.print(
        f"{sub.display_name}: spending limit removed, {state_text(sub)}")


# billing's commands on a subscription: cli/main.py registers them in the subscriptions group ------------
def preview_cancel(subscription: SubArg, *, cli: CliContext, as_: AsOption = None) -> None:
    """What cancelling now would turn off, the estimated final invoice, and the deletion date. Changes nothing."""
    actor = cli.app.directory.principal(as_)
    preview = cli.app.billing.preview_cancel(actor=actor, ref=subscription_ref(cli, actor, subscription))
    data: dict[str, Any] = {
        "subscriptionId": preview.subscription.subscription_id, "vmsToDeallocate": preview.vms_to_deallocate,
        "ipsToRelease": preview.ips_to_release, "staticIpsKept": preview.static_ips_kept,
        "storageToReadOnly": preview.storage_to_read_only,
        "supportPlan": ({"plan": preview.support_plan.plan, "autoRenew": preview.support_plan.auto_renew}
                        if preview.support_plan and preview.support_plan.ended_at is None else None),
        "estimate": estimate_json(preview.estimate)}
    if cli.json:
        emit_json(data)
        return
    console.print(f"[bold]Cancelling {preview.subscription.display_name}[/] would:")
    for label, key in (("deallocate", "vmsToDeallocate"), ("release", "ipsToRelease"),
                       ("make read-only", "storageToReadOnly")):
        for rid in data[key]:
            console.print(f"  {label} {rid.rsplit('/', 1)[-1]}")
    if data["supportPlan"]:
        console.print(f"  support plan {data['supportPlan']['plan']}: billed to the end of its month; "
                      "`subscriptions cancel` asks whether to turn off its auto-renew (--no-support-auto-renew)")
    fig = data["estimate"]
    console.print(f"  Estimated final charges {fig['currency']} {fig['charges']}, credits {fig['credits']}, "
                  f"VAT {fig['tax']}, total {fig['total']}")
    console.print(f"  Final invoice on {fig['finalInvoiceDate']}; data deleted on {fig['deletionDate']}")


def switch_offer(subscription: SubArg, offer: Annotated[str, typer.Argument(help="Target offer id, e.g. MS-AZR-0023P.")],
                 *, cli: CliContext, as_: AsOption = None) -> None:
    """Switch a Pay-As-You-Go subscription to another offer (after its first billing period)."""
    actor = cli.app.directory.principal(as_)
    sub, invoice = cli.app.billing.switch_offer(actor=actor, ref=subscription_ref(cli, actor, subscription),
                                                target_offer=offer)
    data = {**subscription_json(sub), "switchInvoice": invoice_json(invoice) if invoice else None}
    if cli.json:
        emit_json(data)
        return
    console.print(f"{sub.display_name}: now {sub.offer_id} ({state_text(sub)})")
    if invoice:
        console.print(f"  Switch-day invoice {invoice.invoice_number}: {invoice.currency} {invoice.total}")


def upgrade(subscription: SubArg, *, cli: CliContext, as_: AsOption = None) -> None:
    """Upgrade a Free Trial to Pay-As-You-Go; a subscription the spending limit disabled is enabled again."""
    actor = cli.app.directory.principal(as_)
    sub = cli.app.billing.upgrade(actor=actor, ref=subscription_ref(cli, actor, subscription))
    emit_json(subscription_json(sub)) if cli.json else console.print(f"{sub.display_name}: {sub.offer_id}, {state_text(sub)}")
