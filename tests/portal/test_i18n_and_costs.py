"""Language choice, locale formatting, and the cost figures once billing is there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from subplane.portal.i18n import Formatter, from_accept_language, negotiate

from .helpers import PortalClient

# Sign-in, sessions and languages do not depend on the database: SQLite is enough here (the lifecycle
# page tests run on both backends).
SQLITE_ONLY = pytest.mark.parametrize("database", ["sqlite"], indirect=True)



def test_negotiation_order_choice_then_browser_then_billing_account():
    assert negotiate(chosen="en", accept_language="nl-NL,nl;q=0.9", account_language="nl") == "en"
    assert negotiate(chosen=None, accept_language="de-DE,nl;q=0.8,en;q=0.5", account_language="en") == "nl"
    assert negotiate(chosen="fr", accept_language="de", account_language="nl") == "nl"
    assert negotiate(chosen=None, accept_language=None, account_language=None) == "en"
    assert from_accept_language("en;q=0.2, nl;q=0.9") == "nl"
    assert from_accept_language("nl;q=0") is None


def test_money_dates_and_numbers_follow_the_page_language():
    nl, en = Formatter("nl"), Formatter("en")
    assert nl.money(Decimal("1234.56"), "EUR") == "€\xa01.234,56"
    assert en.money(Decimal("1234.56"), "EUR") == "€1,234.56"
    assert nl.number(12345) == "12.345"
    assert nl.day(date(2026, 11, 27)) == "27 november 2026"
    assert en.day(date(2026, 11, 27)) == "27 November 2026"
    # one date style per language: an instant's date is written as every other date
    assert nl.instant(datetime(2026, 11, 27, 13, 5, tzinfo=UTC)) == "27 november 2026 13:05 UTC"
    assert en.instant(datetime(2026, 11, 27, 13, 5, tzinfo=UTC)) == "27 November 2026 13:05 UTC"


def test_invoice_words_come_from_the_catalogue_in_both_languages():
    nl, en = Formatter("nl"), Formatter("en")
    # a billing period is written inclusively: its stored end is the exclusive midnight after the last day
    start, end = datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    assert nl.period(start, end) == "1 december 2026 t/m 31 december 2026"
    assert en.period(start, end) == "1 December 2026 to 31 December 2026"
    assert nl.quantity(Decimal("72"), "hour") == "72 uur" and en.quantity(Decimal("72"), "hour") == "72 hours"
    assert nl.quantity(Decimal("0"), "gbMonth") == "0 GB-maand" and en.quantity(Decimal("1"), "hour") == "1 hour"
    assert nl.quantity(Decimal("1.5"), "gbMonth") == "1,5 GB-maand"
    # unit prices keep their real precision: € 0,0033 is not € 0,00
    assert nl.unit_price(Decimal("0.0033"), "EUR") == "€\xa00,0033" and en.unit_price(Decimal("0.0033"), "EUR") == "€0.0033"
    assert nl.unit_price(Decimal("27.00"), "EUR") == "€\xa027,00"
    assert nl.meter("vm/Standard_D2s_v5") == "Virtuele machine Standard_D2s_v5"
    assert en.meter("vm/Standard_D2s_v5") == "Virtual machine Standard_D2s_v5"
    assert nl.meter("ip/Basic/Static") == "Openbaar IP-adres Basic statisch"
    assert en.meter("storage/Standard_LRS") == "Storage capacity Standard_LRS"
    assert nl.meter("unknown/x") == "unknown/x"  # a meter the catalogue does not know reads as its id


def test_instants_read_in_the_local_zone_on_either_side_of_a_dst_switch():
    amsterdam = Formatter("nl", ZoneInfo("Europe/Amsterdam"))
    # 29 March 2026: clocks go from 02:00 CET to 03:00 CEST at 01:00 UTC
    assert amsterdam.instant(datetime(2026, 3, 29, 0, 30, tzinfo=UTC)) == "29 maart 2026 01:30 CET"
    assert amsterdam.instant(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == "29 maart 2026 03:30 CEST"
    # an instant late on 31 December UTC is already New Year's Day in Amsterdam; a calendar date stays itself
    assert amsterdam.day(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1 januari 2027"
    assert amsterdam.day(date(2026, 12, 31)) == "31 december 2026"


@SQLITE_ONLY
def test_the_switcher_overrides_the_browser_and_every_page_has_it(demo_app):
    client = PortalClient(demo_app, language="en")
    client.sign_in("admin")
    assert "<h1>Subscriptions</h1>" in client.get("/subscriptions").text
    switched = client.get("/language?to=nl&next=/portal/subscriptions")
    assert '<html lang="nl">' in switched.text and "<h1>Abonnementen</h1>" in switched.text
    sid = client.subscription_id("Productie")
    for path in ("/subscriptions", f"/subscriptions/{sid}", f"/subscriptions/{sid}/resources", "/signin"):
        page = client.get(path).text
        assert 'hreflang="nl"' in page and 'hreflang="en"' in page, path


@SQLITE_ONLY
def test_without_a_choice_or_browser_language_the_billing_accounts_language_is_used(demo_app):
    client = PortalClient(demo_app, language="")
    client.sign_in("admin")
    assert '<html lang="nl">' in client.get("/subscriptions").text  # Contoso's billing account is Dutch


@SQLITE_ONLY
def test_billing_is_part_of_every_build_so_costs_invoices_and_switching_are_always_shown(demo_app):
    client = PortalClient(demo_app)
    client.sign_in("admin")
    sid = client.subscription_id("Productie")
    overview = client.get(f"/subscriptions/{sid}").text
    assert 'id="cost-so-far"' in overview and 'id="credits-left"' in overview
    assert 'id="no-invoices"' in client.get(f"/subscriptions/{sid}/invoices").text  # none issued yet
    switch = client.get(f"/subscriptions/{sid}/switch-offer").text
    assert "Current offer:" in switch and "not available" not in switch


@dataclass
class _Estimate:
    currency: str
    period_start: date
    period_end: date
    invoice_date: date
    charges: Decimal
    credits_remaining: Decimal
    daily: list


class _Billing:
    def __init__(self) -> None:
        self.calls = []

    def payment_notice(self, *, actor, ref):
        return None  # Productie is in good standing: nothing to say about payment

    def job_handlers(self):
        return {}  # the portal's typed services include the clock, whose runner asks billing for its jobs

    def estimate(self, *, actor, ref):
        self.calls.append((actor.name, ref))
        return _Estimate("EUR", date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 1), Decimal("1234.56"),
                         Decimal("25.00"), [(date(2026, 11, 1), "Compute", Decimal("10.50")),
                                            (date(2026, 11, 1), "Storage", Decimal("0.25")),
                                            (date(2026, 11, 2), "Compute", Decimal("12.00"))])


@SQLITE_ONLY
@pytest.mark.parametrize("language, charges, credits", [("nl", "€\xa01.234,56", "€\xa025,00"),
                                                         ("en", "€1,234.56", "€25.00")])
def test_overview_shows_billings_figures_in_the_page_locale_with_a_chart(demo_app, language, charges, credits):
    demo_app.billing = _Billing()
    client = PortalClient(demo_app, language=language)
    client.sign_in("admin")
    sid = client.subscription_id("Productie")
    page = client.get(f"/subscriptions/{sid}").text
    assert f'id="cost-so-far">{charges}<' in page and f'id="credits-left">{credits}<' in page
    assert page.count("<rect x=") == 3 and "Compute" in page and "Storage" in page
    assert demo_app.billing.calls == [("admin@contoso.example", sid)]
