"""Who an invoice is from and to, and which VAT treatment it gets: what makes it one a business can send.

The seller is the operator of the cloud (settings); the customer is the billing account (its company name,
address and VAT number). VAT follows the customer's country (``tax.json``), except for EU business-to-business
supplies across a border: with the customer's VAT number and a seller in another member state, the invoice
carries no VAT and says the customer accounts for it (reverse charge, Article 196 of the VAT Directive).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

EU_COUNTRIES = frozenset({"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
                          "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"})

# EN 16931 VAT category codes (UNCL5305)
STANDARD, ZERO, REVERSE_CHARGE, EXPORT = "S", "Z", "AE", "G"


@dataclass(frozen=True)
class Party:
    name: str
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    vat_id: str = ""  # with its country prefix, e.g. NL123456789B01
    registration: str = ""  # e.g. a chamber-of-commerce number

    @property
    def address_lines(self) -> list[str]:
        return [line for line in (self.street, f"{self.postal_code} {self.city}".strip(), self.country) if line]


@dataclass(frozen=True)
class VatTreatment:
    category: str
    rate: Decimal
    reverse_charge: bool = False


def vat_treatment(*, seller_country: str, customer_country: str, customer_vat_id: str,
                  country_rate: Decimal) -> VatTreatment:
    seller, customer = seller_country.upper(), customer_country.upper()
    if customer_vat_id and seller in EU_COUNTRIES and customer in EU_COUNTRIES and seller != customer:
        return VatTreatment(REVERSE_CHARGE, Decimal("0"), reverse_charge=True)
    if country_rate > 0:
        return VatTreatment(STANDARD, country_rate)
    if seller in EU_COUNTRIES and customer not in EU_COUNTRIES:
        return VatTreatment(EXPORT, Decimal("0"))
    return VatTreatment(ZERO, Decimal("0"))
