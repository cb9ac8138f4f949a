"""Languages of the portal: which one a request gets and its compiled catalogue (formats: ``subplane.formatting``).

The catalogues live in ``locale/<lang>/LC_MESSAGES/messages.{po,mo}``; `pybabel` extracts them from the
templates and this package (see ``babel.cfg`` and the README). ``tests/portal/test_catalogue.py`` fails
when the ``.pot``, a ``.po`` or a compiled ``.mo`` is out of date.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

from ..formatting import Formatter  # noqa: F401  (re-exported: the pages share their formats with the PDF)

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "en"
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


@cache
def translations(language: str) -> NullTranslations:
    return Translations.load(str(LOCALE_DIR), [language], domain="messages")
