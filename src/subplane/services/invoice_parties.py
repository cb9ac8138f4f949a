"""The parties on an invoice and its VAT treatment (domain/invoice_parties.py), read where billing needs them:
the seller from the settings, the customer from the billing account and its details."""

from __future__ import annotations

from collections.abc import Callable

from ..adapters.db.invoice_parties_repo import CustomerRepo, InvoicePartiesRepo
from ..domain.access import Principal
from ..domain.billing import Invoice
from ..domain.errors import Forbidden, InvalidInput
from ..domain.invoice_parties import Party, VatTreatment, vat_treatment
from ..domain.prices import PriceList
from ..settings import Settings
from .unit_of_work import UnitOfWork
from .use_case import use_case

_VAT_ID_LENGTH = 32
# the columns of billing_account_details (adapters/db/invoice_parties_tables.py)
_FIELD_LENGTHS = {"company_name": 200, "street": 200, "postal_code": 20, "city": 100, "vat_id": _VAT_ID_LENGTH,
                  "registration": 64}


def seller_of(settings: Settings) -> Party:
    return Party(settings.seller_name, settings.seller_street, settings.seller_postal_code, settings.seller_city,
                 settings.seller_country.upper(), settings.seller_vat_id, settings.seller_registration)


def customer_of(uow: UnitOfWork, billing_account_id: str) -> Party:
    account = uow.directory.get_billing_account(billing_account_id)
    details = CustomerRepo(uow.conn).details(billing_account_id)
    if details is None:
        return Party(account.name, country=account.country.upper())
    return Party(details["company_name"] or account.name, details["street"], details["postal_code"], details["city"],
                 account.country.upper(), details["vat_id"], details["registration"])


def treatment(prices: PriceList, seller: Party, customer: Party) -> VatTreatment:
    return vat_treatment(seller_country=seller.country, customer_country=customer.country,
                         customer_vat_id=customer.vat_id, country_rate=prices.vat_rate(customer.country))


def freeze(uow: UnitOfWork, rows: list[tuple[str, Party, Party, VatTreatment]]) -> None:
    """The parties as they stand at issue, stored with the invoices in their transaction."""
    InvoicePartiesRepo(uow.conn).add_many(rows)


def parties_of(uow: UnitOfWork, invoice: Invoice, seller: Party, prices: PriceList) -> tuple[Party, Party, VatTreatment]:
    """As frozen at issue (with the invoice's own rate); an invoice issued before parties were kept gets today's."""
    frozen = InvoicePartiesRepo(uow.conn).of(invoice.invoice_id)
    if frozen is not None:
        seller_then, customer, category, reverse = frozen
        return seller_then, customer, VatTreatment(category, invoice.tax_rate, reverse)
    customer = customer_of(uow, invoice.billing_account_id)
    vat = treatment(prices, seller, customer)
    return seller, customer, VatTreatment(vat.category, invoice.tax_rate, vat.reverse_charge)


class CustomerDetailsService:
    """A billing account's company name, address, VAT and registration numbers, set by its administrator."""

    def __init__(self, uow: Callable[..., UnitOfWork]) -> None:
        self._uow = uow

    def set(self, *, actor: Principal, account: str, company_name: str, street: str, postal_code: str, city: str,
            vat_id: str = "", registration: str = "") -> Party:
        with use_case(self._uow, "billing.customerDetails", actor=actor, target=account) as case:
            uow = case.uow
            found = uow.directory.billing_account(account)
            if not actor.is_privileged and found.admin_user_id != actor.principal_id:
                raise Forbidden("AuthorizationFailed", "Only the billing account's administrator may change its "
                                                       "customer details.")
            fields = {"company_name": company_name, "street": street, "postal_code": postal_code, "city": city,
                      "vat_id": vat_id.replace(" ", "").upper(), "registration": registration}
            if not company_name.strip() or not city.strip():
                raise InvalidInput("InvalidCustomerDetails", "A company name and a city are needed.")
            for field, value in fields.items():
                if len(value) > _FIELD_LENGTHS[field] or not value.isprintable():
                    raise InvalidInput("InvalidCustomerDetails", f"{field} holds at most {_FIELD_LENGTHS[field]} "
                                                                 "printable characters.", field=field)
            if fields["vat_id"] and (len(fields["vat_id"]) > _VAT_ID_LENGTH or not fields["vat_id"][:2].isalpha()):
                raise InvalidInput("InvalidVatId", "A VAT number starts with its country code, e.g. DE123456789.")
            CustomerRepo(uow.conn).save(found.billing_account_id, now=uow.now,
                                        **{k: v.strip() for k, v in fields.items()})
            case.succeeded(target=found.billing_account_id, details={"vatId": fields["vat_id"]})
            return customer_of(uow, found.billing_account_id)
