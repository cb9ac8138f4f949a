"""Invoice PDFs in the billing account's language (fpdf2 for the page; every date, period, amount, quantity
and meter name from ``subplane.formatting``, as the portal's invoice page shows them).

nl: "Factuur", amounts like ``€ 1.234,56``; en: "Invoice", ``€1,234.56``. The core PDF fonts are used in
Windows-1252 encoding, so the euro sign needs no font file. Line spans are written in UTC, as billed.
"""

from __future__ import annotations

from fpdf import FPDF

from ..formatting import Formatter

TEXT = {
    "nl": {"title": "Factuur", "number": "Factuurnummer", "date": "Factuurdatum", "due": "Vervaldatum",
           "account": "Factuurrekening", "subscription": "Abonnement", "period": "Factuurperiode",
           "meter": "Omschrijving", "resource": "Resource", "quantity": "Hoeveelheid", "price": "Prijs per eenheid",
           "amount": "Bedrag", "subtotal": "Subtotaal", "credits": "Tegoed", "tax": "Btw", "total": "Totaal",
           "status": "Status", "Due": "Openstaand", "Paid": "Betaald", "PastDue": "Achterstallig",
           "rounding": "Elk regelbedrag is per seconde exact berekend en eenmaal afgerond op de cent (half naar boven).",
           "seller": "Van", "customer": "Aan", "vat_id": "Btw-nummer", "iban": "IBAN",
           "line_period": "van {start} tot {end}",
           "reverse": "Btw verlegd: de btw wordt door de afnemer aangegeven (artikel 196, Richtlijn 2006/112/EG).",
           "export": "Levering buiten de EU: geen Nederlandse btw."},
    "en": {"title": "Invoice", "number": "Invoice number", "date": "Invoice date", "due": "Due date",
           "account": "Billing account", "subscription": "Subscription", "period": "Billing period",
           "meter": "Description", "resource": "Resource", "quantity": "Quantity", "price": "Unit price",
           "amount": "Amount", "subtotal": "Subtotal", "credits": "Credits", "tax": "VAT", "total": "Total",
           "status": "Status", "Due": "Due", "Paid": "Paid", "PastDue": "Past due",
           "rounding": "Each line amount is exact to the second and rounded once to the cent (half up).",
           "seller": "From", "customer": "To", "vat_id": "VAT number", "iban": "IBAN",
           "line_period": "from {start} to {end}",
           "reverse": "Reverse charge: VAT to be accounted for by the customer (Article 196, Directive 2006/112/EC).",
           "export": "Supply outside the EU: no EU VAT charged."},
}


def language_of(account) -> str:
    return account.language if account.language in TEXT else "en"


def _short_resource(resource_id: str) -> str:
    return resource_id.rsplit("/", 1)[-1]


def _parties(pdf: FPDF, t: dict, seller, customer, iban: str) -> None:
    """Seller and customer side by side: name, address, VAT and registration numbers."""
    def block(party, label: str) -> list[str]:
        lines = [label, party.name, *party.address_lines]
        if party.vat_id:
            lines.append(f"{t['vat_id']}: {party.vat_id}")
        if party.registration:
            lines.append(party.registration)
        return lines

    left = block(seller, t["seller"]) + ([f"{t['iban']}: {iban}"] if iban else [])
    right = block(customer, t["customer"])
    for row in range(max(len(left), len(right))):
        pdf.set_font("helvetica", "B" if row == 0 else "", 9)
        pdf.cell(95, 5, left[row] if row < len(left) else "")
        pdf.cell(0, 5, right[row] if row < len(right) else "", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def render_invoice(invoice, *, account, subscription_name: str, seller=None, customer=None, vat=None,
                   iban: str = "") -> bytes:
    lang = language_of(account)
    t = TEXT[lang]
    fmt = Formatter(lang)  # UTC: invoice days and line spans are billing's UTC days and instants
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(f"{t['title']} {invoice.invoice_number}")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 20)
    pdf.cell(0, 12, f"{t['title']} {invoice.invoice_number}", new_x="LMARGIN", new_y="NEXT")
    if seller is not None and customer is not None:
        _parties(pdf, t, seller, customer, iban)
    pdf.set_font("helvetica", size=10)
    facts = [
        (t["account"], account.name), (t["subscription"], f"{subscription_name} ({invoice.subscription_id})"),
        (t["date"], fmt.day(invoice.invoice_date)), (t["due"], fmt.day(invoice.due_date)),
        (t["period"], fmt.period(invoice.period_start, invoice.period_end)),
        (t["status"], t.get(invoice.status, invoice.status)),
    ]
    for label, value in facts:
        pdf.cell(45, 6, label)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (58, 36, 34, 32, 30)
    pdf.set_font("helvetica", "B", 9)
    for width, label in zip(widths, (t["meter"], t["resource"], t["quantity"], t["price"], t["amount"]), strict=True):
        pdf.cell(width, 7, label, border="B", align="L" if width in (58, 36) else "R")
    pdf.ln()
    pdf.set_font("helvetica", size=9)
    for line in invoice.lines:
        cells = (fmt.meter(line.meter), _short_resource(line.resource_id), fmt.quantity(line.quantity, line.unit),
                 fmt.unit_price(line.unit_price, invoice.currency), fmt.money(line.amount, invoice.currency))
        for width, value in zip(widths, cells, strict=True):
            pdf.cell(width, 6, value[:40], align="L" if width in (58, 36) else "R")
        pdf.ln()
        pdf.set_font("helvetica", "I", 7)  # each line's exact span: billing visibly stops at a cancel
        pdf.cell(0, 4, t["line_period"].format(start=fmt.instant(line.from_at), end=fmt.instant(line.to_at)),
                 new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=9)
    pdf.ln(3)
    rate = fmt.percent(invoice.tax_rate)
    totals = [(t["subtotal"], invoice.subtotal), (t["credits"], -invoice.credits),
              (f"{t['tax']} {rate}", invoice.tax), (t["total"], invoice.total)]
    for label, amount in totals:
        pdf.set_font("helvetica", "B" if label == t["total"] else "", 10)
        pdf.cell(sum(widths[:-1]), 7, label, align="R")
        pdf.cell(widths[-1], 7, fmt.money(amount, invoice.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("helvetica", "I", 8)
    if vat is not None and vat.reverse_charge:
        pdf.multi_cell(0, 5, t["reverse"], new_x="LMARGIN", new_y="NEXT")
    elif vat is not None and vat.category == "G":
        pdf.multi_cell(0, 5, t["export"], new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, t["rounding"])
    return bytes(pdf.output())
