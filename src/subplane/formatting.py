"""One set of words and formats for what people read: the portal's pages and the invoice PDF use the same
dates, periods, money, quantities and meter names, so an invoice reads the same on screen and on paper.

Meter and unit words come from the catalogue (``data/meter_names.json``); numbers, money and dates from
Babel in the language's region (nl: ``€ 1.234,56``, ``4 maart 2027``; en: ``€1,234.56``, ``4 March 2027``).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

LOCALES = {"nl": "nl_NL", "en": "en_GB"}
DEFAULT_LANGUAGE = "en"
# A billing period is written inclusively, first day to last day: the same words on a page and the PDF.
PERIOD_TO = {"nl": "t/m", "en": "to"}
DATE_STYLE = "long"  # one date style per language: "4 maart 2027", "4 March 2027"
TIME_STYLE = "HH:mm zzz"
QUANTITY_PATTERN = "#,##0.######"


@lru_cache(maxsize=1)
def catalogue() -> dict:
    return json.loads(resources.files("subplane.data").joinpath("meter_names.json").read_text("utf-8"))


def _language(language: str) -> str:
    return language if language in LOCALES else DEFAULT_LANGUAGE


def meter_name(meter: str, language: str) -> str:
    """``vm/Standard_D2s_v5`` -> "Virtuele machine Standard_D2s_v5"; an unknown kind reads as its id."""
    names = catalogue()
    language = _language(language)
    kind, *parts = meter.split("/")
    known = names["kinds"].get(kind)
    if known is None:
        return meter
    words = [names["parts"].get(part, {}).get(language, part) for part in parts]
    return " ".join([known[language], *words])


def unit_word(unit: str, quantity: Decimal, language: str) -> str:
    forms = catalogue()["units"].get(str(unit), {}).get(_language(language))
    if forms is None:
        return str(unit)
    one, many = forms
    return one if quantity == 1 else many


def inclusive_end(end: date | datetime) -> date:
    """The last day of a period whose end is an exclusive boundary (midnight UTC of the day after)."""
    if isinstance(end, datetime):
        utc = end.astimezone(UTC) if end.tzinfo is not None else end
        day = utc.date()
        return day - timedelta(days=1) if utc.time() == datetime.min.time() else day
    return end - timedelta(days=1)


def _utc_day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo is not None else value).date()
    return value


class Formatter:
    """Dates, numbers, money, quantities and meter names in one language. Instants are shown in ``zone``
    with its abbreviation (CET/CEST), so the same stored UTC instant reads right on either side of a DST
    switch; calendar days (invoice dates, billing periods) are UTC days, as billing counts them."""

    def __init__(self, language: str, zone: tzinfo = UTC) -> None:
        self.language = _language(language)
        self.zone = zone
        self.locale = Locale.parse(LOCALES[self.language])

    # dates -------------------------------------------------------------------------------------
    def instant(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        local = self._local(value)
        return f"{self.day(local.date())} {format_datetime(local, TIME_STYLE, tzinfo=self.zone, locale=self.locale)}"

    def day(self, value: date | datetime | None) -> str:
        """A calendar date as is; an instant's date where the reader lives."""
        if value is None:
            return "—"
        return format_date(self._local(value).date() if isinstance(value, datetime) else value, DATE_STYLE,
                           locale=self.locale)

    def period(self, start: date | datetime, end: date | datetime) -> str:
        """A billing period from its first to its last day: ``end`` is the exclusive boundary billing stores."""
        return f"{self.day(_utc_day(start))} {PERIOD_TO[self.language]} {self.day(inclusive_end(end))}"

    def short_day(self, value: date) -> str:
        """Only for a chart's axis, where a long date does not fit."""
        return format_date(value, "d MMM", locale=self.locale)

    def _local(self, value: datetime) -> datetime:
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(self.zone)

    # numbers -----------------------------------------------------------------------------------
    def number(self, value) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, rate) -> str:
        return format_percent(rate, locale=self.locale)

    def money(self, amount: Decimal | None, currency: str) -> str:
        """An amount to the cent."""
        if amount is None:
            return "—"
        return format_currency(Decimal(amount), currency, locale=self.locale)

    def unit_price(self, amount: Decimal, currency: str) -> str:
        """A price per unit with every digit it has (``€ 0,0033``), never rounded to a cent of zero."""
        return format_currency(Decimal(amount), currency, locale=self.locale, decimal_quantization=False)

    def quantity(self, value: Decimal, unit: str) -> str:
        """``72 uur``, ``0 GB-maand``, ``1 hour``: the number to its real precision and the unit in words."""
        amount = format_decimal(value, format=QUANTITY_PATTERN, locale=self.locale)
        return f"{amount} {unit_word(unit, Decimal(value), self.language)}"

    def meter(self, meter: str) -> str:
        return meter_name(meter, self.language)
