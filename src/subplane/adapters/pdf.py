"""Invoice PDFs in the billing account's language (fpdf2 for the page, Babel for numbers and money).

nl: "Factuur", amounts like ``€ 1.234,56``; en: "Invoice", ``€1,234.56``. The core PDF fonts are used in
Windows-1252 encoding, so the euro sign needs no font file.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from fpdf import FPDF

from ..domain.prices import meter_name

LOCALES = {"nl": "nl_NL", "en": "en_US"}
TEXT = {
    "nl": {"title": "Factuur", "number": "Factuurnummer", "date": "Factuurdatum", "due": "Vervaldatum",
           "account": "Factuurrekening", "subscription": "Abonnement", "period": "Factuurperiode",
           "meter": "Omschrijving", "resource": "Resource", "quantity": "Hoeveelheid", "price": "Prijs per eenheid",
           "amount": "Bedrag", "subtotal": "Subtotaal", "credits": "Tegoed", "tax": "Btw", "total": "Totaal",
           "status": "Status", "Due": "Openstaand", "Paid": "Betaald", "PastDue": "Achterstallig",
           "rounding": "Elk regelbedrag is per seconde exact berekend en eenmaal afgerond op de cent (half naar boven).",
           "to": "t/m", "seller": "Van", "customer": "Aan", "vat_id": "Btw-nummer", "iban": "IBAN",
           "line_period": "van {start} tot {end}",
           "reverse": "Btw verlegd: de btw wordt door de afnemer aangegeven (artikel 196, Richtlijn 2006/112/EG).",
           "export": "Levering buiten de EU: geen Nederlandse btw."},
    "en": {"title": "Invoice", "number": "Invoice number", "date": "Invoice date", "due": "Due date",
           "account": "Billing account", "subscription": "Subscription", "period": "Billing period",
           "meter": "Description", "resource": "Resource", "quantity": "Quantity", "price": "Unit price",
           "amount": "Amount", "subtotal": "Subtotal", "credits": "Credits", "tax": "VAT", "total": "Total",
           "status": "Status", "Due": "Due", "Paid": "Paid", "PastDue": "Past due",
           "rounding": "Each line amount is exact to the second and rounded once to the cent (half up).",
           "to": "to", "seller": "From", "customer": "To", "vat_id": "VAT number", "iban": "IBAN",
           "line_period": "from {start} to {end}",
           "reverse": "Reverse charge: VAT to be accounted for by the customer (Article 196, Directive 2006/112/EC).",
           "export": "Supply outside the EU: no EU VAT charged."},
}


def language_of(account) -> str:
    return account.language if account.language in TEXT else "en"


def money(amount: Decimal, currency: str, language: str, *, exact: bool = False) -> str:
    """Amounts to the cent; unit prices (``exact``) with every digit they have (€ 0,0033)."""
    return format_currency(amount, currency, locale=LOCALES[language], decimal_quantization=not exact)


UNITS = {"nl": {"hour": "uur", "gbMonth": "GB-maand", "month": "maand", "monthStep": "maand"},
         "en": {"hour": "hours", "gbMonth": "GB-months", "month": "months", "monthStep": "months"}}


def quantity_text(value: Decimal, language: str) -> str:
    return format_decimal(value, format="#,##0.######", locale=LOCALES[language])


def day(value: date | datetime, language: str) -> str:
    return format_date(value if isinstance(value, date) and not isinstance(value, datetime) else value.date(),
                       format="long", locale=LOCALES[language])


def _short_resource(resource_id: str) -> str:
    return resource_id.rsplit("/", 1)[-1]


def _instant(value: datetime, language: str) -> str:
    return f"{day(value, language)} {value.strftime('%H:%M')} UTC"


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
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(f"{t['title']} {invoice.invoice_number}")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 20)
    pdf.cell(0, 12, f"{t['title']} {invoice.invoice_number}", new_x="LMARGIN", new_y="NEXT")
    if seller is not None and customer is not None:
        _parties(pdf, t, seller, customer, iban)
    pdf.set_font("helvetica", size=10)
    end_day = invoice.period_end.date() if invoice.period_end.time() != datetime.min.time() else \
        date.fromordinal(invoice.period_end.date().toordinal() - 1)
    facts = [
        (t["account"], account.name), (t["subscription"], f"{subscription_name} ({invoice.subscription_id})"),
        (t["date"], day(invoice.invoice_date, lang)), (t["due"], day(invoice.due_date, lang)),
        (t["period"], f"{day(invoice.period_start, lang)} {t['to']} {day(end_day, lang)}"),
        (t["status"], t.get(invoice.status, invoice.status)),
    ]
    for label, value in facts:
        pdf.cell(45, 6, label)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (58, 36, 34, 32, 30)
    pdf.set_font("helvetica", "B", 9)
    for width, label in zip(widths, (t["meter"], t["resource"], t["quantity"], t["price"], t["amount"])):
        pdf.cell(width, 7, label, border="B", align="L" if width in (58, 36) else "R")
    pdf.ln()
    pdf.set_font("helvetica", size=9)
    for line in invoice.lines:
        quantity = f"{quantity_text(line.quantity, lang)} {UNITS[lang].get(line.unit, '')}".strip()
        cells = (meter_name(line.meter), _short_resource(line.resource_id), quantity,
                 money(line.unit_price, invoice.currency, lang, exact=True), money(line.amount, invoice.currency, lang))
        for width, value in zip(widths, cells):
            pdf.cell(width, 6, value[:40], align="L" if width in (58, 36) else "R")
        pdf.ln()
        pdf.set_font("helvetica", "I", 7)  # each line's exact span: billing visibly stops at a cancel
        pdf.cell(0, 4, t["line_period"].format(start=_instant(line.from_at, lang), end=_instant(line.to_at, lang)),
                 new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=9)
    pdf.ln(3)
    rate = format_percent(invoice.tax_rate, locale=LOCALES[lang])
    totals = [(t["subtotal"], invoice.subtotal), (t["credits"], -invoice.credits),
              (f"{t['tax']} {rate}", invoice.tax), (t["total"], invoice.total)]
    for label, amount in totals:
        pdf.set_font("helvetica", "B" if label == t["total"] else "", 10)
        pdf.cell(sum(widths[:-1]), 7, label, align="R")
        pdf.cell(widths[-1], 7, money(amount, invoice.currency, lang), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("helvetica", "I", 8)
    if vat is not None and vat.reverse_charge:
        pdf.multi_cell(0, 5, t["reverse"], new_x="LMARGIN", new_y="NEXT")
    elif vat is not None and vat.category == "G":
        pdf.multi_cell(0, 5, t["export"], new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, t["rounding"])
    return bytes(pdf.output())
