"""An invoice as UBL 2.1 XML, Peppol BIS Billing 3.0 / EN 16931 (the e-invoice Dutch businesses and government
accept). Element order follows the UBL 2.1 schema; amounts have two decimals; credits are a document-level
allowance; each line carries its exact from/to as a note and its period as dates.

Built with the standard library's ElementTree: the document is a fixed shape of a few dozen elements.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from decimal import Decimal

from ..domain.invoice_parties import EXPORT, REVERSE_CHARGE, Party, VatTreatment
from ..domain.prices import meter_name

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
UNIT_CODES = {"hour": "HUR", "month": "MON", "monthStep": "MON", "gbMonth": "C62"}  # UN/ECE Recommendation 20
EXEMPTIONS = {REVERSE_CHARGE: ("VATEX-EU-AE", "Reverse charge"), EXPORT: ("VATEX-EU-G", "Export outside the EU")}

ET.register_namespace("", INVOICE_NS)
ET.register_namespace("cac", CAC)
ET.register_namespace("cbc", CBC)


def _cbc(parent: ET.Element, name: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CBC}}}{name}", attributes)
    element.text = text
    return element


def _cac(parent: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{CAC}}}{name}")


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def _last_day(instant: datetime) -> date:
    """The invoice period's end is exclusive (a midnight); its last day is the day before."""
    return (instant - timedelta(microseconds=1)).date()


def _party(parent: ET.Element, role: str, party: Party) -> None:
    node = _cac(_cac(parent, role), "Party")
    _cbc(_cac(node, "PartyName"), "Name", party.name)
    address = _cac(node, "PostalAddress")
    if party.street:
        _cbc(address, "StreetName", party.street)
    if party.city:
        _cbc(address, "CityName", party.city)
    if party.postal_code:
        _cbc(address, "PostalZone", party.postal_code)
    _cbc(_cac(address, "Country"), "IdentificationCode", party.country)
    if party.vat_id:
        scheme = _cac(node, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", party.vat_id)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    legal = _cac(node, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)
    if party.registration:
        _cbc(legal, "CompanyID", party.registration)


def _tax_category(parent: ET.Element, name: str, vat: VatTreatment, *, reason: bool = False) -> None:
    category = _cac(parent, name)
    _cbc(category, "ID", vat.category)
    _cbc(category, "Percent", f"{(vat.rate * 100).normalize():f}")
    if reason and vat.category in EXEMPTIONS:
        code, text = EXEMPTIONS[vat.category]
        _cbc(category, "TaxExemptionReasonCode", code)
        _cbc(category, "TaxExemptionReason", text)
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def render_ubl(invoice, *, seller: Party, customer: Party, vat: VatTreatment, subscription_name: str,
               iban: str = "") -> bytes:
    currency = invoice.currency
    root = ET.Element(f"{{{INVOICE_NS}}}Invoice")
    _cbc(root, "CustomizationID", CUSTOMIZATION)
    _cbc(root, "ProfileID", PROFILE)
    _cbc(root, "ID", invoice.invoice_number)
    _cbc(root, "IssueDate", invoice.invoice_date.isoformat())
    _cbc(root, "DueDate", invoice.due_date.isoformat())
    _cbc(root, "InvoiceTypeCode", "380")
    if vat.reverse_charge:
        _cbc(root, "Note", "Reverse charge: VAT to be accounted for by the customer (Article 196, Directive "
                           "2006/112/EC).")
    _cbc(root, "DocumentCurrencyCode", currency)
    _cbc(root, "BuyerReference", invoice.subscription_id)
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "StartDate", invoice.period_start.date().isoformat())
    _cbc(period, "EndDate", _last_day(invoice.period_end).isoformat())
    _party(root, "AccountingSupplierParty", seller)
    _party(root, "AccountingCustomerParty", customer)
    if iban:
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", "58")  # SEPA credit transfer
        _cbc(means, "PaymentID", invoice.invoice_number)
        _cbc(_cac(means, "PayeeFinancialAccount"), "ID", iban)
    if invoice.credits:
        allowance = _cac(root, "AllowanceCharge")
        _cbc(allowance, "ChargeIndicator", "false")
        _cbc(allowance, "AllowanceChargeReason", "Credit")
        _cbc(allowance, "Amount", _money(invoice.credits), currencyID=currency)
        _tax_category(allowance, "TaxCategory", vat)
    taxes = _cac(root, "TaxTotal")
    _cbc(taxes, "TaxAmount", _money(invoice.tax), currencyID=currency)
    subtotal = _cac(taxes, "TaxSubtotal")
    _cbc(subtotal, "TaxableAmount", _money(invoice.subtotal - invoice.credits), currencyID=currency)
    _cbc(subtotal, "TaxAmount", _money(invoice.tax), currencyID=currency)
    _tax_category(subtotal, "TaxCategory", vat, reason=True)
    totals = _cac(root, "LegalMonetaryTotal")
    _cbc(totals, "LineExtensionAmount", _money(invoice.subtotal), currencyID=currency)
    _cbc(totals, "TaxExclusiveAmount", _money(invoice.subtotal - invoice.credits), currencyID=currency)
    _cbc(totals, "TaxInclusiveAmount", _money(invoice.total), currencyID=currency)
    if invoice.credits:
        _cbc(totals, "AllowanceTotalAmount", _money(invoice.credits), currencyID=currency)
    _cbc(totals, "PayableAmount", _money(invoice.total), currencyID=currency)
    for line in invoice.lines:
        _line(root, line, currency, vat, subscription_name)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _line(root: ET.Element, line, currency: str, vat: VatTreatment, subscription_name: str) -> None:
    node = _cac(root, "InvoiceLine")
    _cbc(node, "ID", str(line.line_no))
    _cbc(node, "Note", f"{line.resource_id} from {line.from_at.isoformat()} to {line.to_at.isoformat()}")
    _cbc(node, "InvoicedQuantity", f"{line.quantity.normalize():f}", unitCode=UNIT_CODES.get(line.unit, "C62"))
    _cbc(node, "LineExtensionAmount", _money(line.amount), currencyID=currency)
    period = _cac(node, "InvoicePeriod")
    _cbc(period, "StartDate", line.from_at.date().isoformat())
    _cbc(period, "EndDate", max(line.from_at.date(), _last_day(line.to_at)).isoformat())
    item = _cac(node, "Item")
    _cbc(item, "Description", f"{subscription_name}: {line.resource_id.rsplit('/', 1)[-1]}")
    _cbc(item, "Name", meter_name(line.meter))
    _cbc(_cac(item, "SellersItemIdentification"), "ID", line.meter)
    _tax_category(item, "ClassifiedTaxCategory", vat)
    _cbc(_cac(node, "Price"), "PriceAmount", f"{line.unit_price.normalize():f}", currencyID=currency)
