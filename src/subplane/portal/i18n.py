"""Languages of the portal: which one a request gets, its compiled catalogue, and locale formatting.

The catalogues live in ``locale/<lang>/LC_MESSAGES/messages.{po,mo}``; `pybabel` extracts them from the
templates and this package (see ``babel.cfg`` and the README). ``tests/portal/test_catalogue.py`` fails
when the ``.pot``, a ``.po`` or a compiled ``.mo`` is out of date.
"""

from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "en"
# Babel locales with the region whose conventions the pages follow.
FORMAT_LOCALES = {"nl": "nl_NL", "en": "en_GB"}
LANGUAGE_COOKIE = "subplane_lang"


def supported(language: str | None) -> str | None:
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The best supported language in an ``Accept-Language`` header, honouring q-values."""
    choices = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = supported(tag)
        if language and quality > 0:
            choices.append((-quality, position, language))
    return min(choices)[2] if choices else None


def negotiate(*, chosen: str | None, accept_language: str | None, account_language: str | None) -> str:
    """The user's choice, else the browser's languages, else the billing account's language."""
    return (supported(chosen) or from_accept_language(accept_language) or supported(account_language)
            or DEFAULT_LANGUAGE)


@lru_cache(maxsize=None)
def translations(language: str) -> NullTranslations:
    return Translations.load(str(LOCALE_DIR), [language], domain="messages")


def _utc_day(value: date | datetime) -> date:
    return value.astimezone(timezone.utc).date() if isinstance(value, datetime) else value


class Formatter:
    """Dates, numbers and money in one language's conventions. Instants are shown in ``zone`` with its
    abbreviation (CET/CEST), so the same stored UTC instant reads right on either side of a DST switch."""

    def __init__(self, language: str, zone: tzinfo = timezone.utc) -> None:
        self.language = language
        self.zone = zone
        try:
            self.locale = Locale.parse(FORMAT_LOCALES.get(language, language))
        except UnknownLocaleError:  # pragma: no cover - both shipped locales exist in Babel
            self.locale = Locale.parse("en_GB")

    def instant(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        return format_datetime(self._local(value), "d MMM y HH:mm zzz", tzinfo=self.zone, locale=self.locale)

    def day(self, value: date | datetime | None) -> str:
        """A calendar date as is; an instant's date where the reader lives."""
        if value is None:
            return "—"
        return format_date(self._local(value).date() if isinstance(value, datetime) else value, "long",
                           locale=self.locale)

    def period(self, start: date | datetime, end: date | datetime) -> str:
        """A billing period: its boundaries are UTC calendar days (as invoice dates are), not local instants."""
        return f"{self.day(_utc_day(start))} – {self.day(_utc_day(end))}"

    def _local(self, value: datetime) -> datetime:
        aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
        return aware.astimezone(self.zone)

    def short_day(self, value: date) -> str:
        return format_date(value, "d MMM", locale=self.locale)

    def number(self, value) -> str:
        return format_decimal(value, locale=self.locale)

    def money(self, amount: Decimal | None, currency: str) -> str:
        if amount is None:
            return "—"
        return format_currency(Decimal(amount), currency, locale=self.locale)
