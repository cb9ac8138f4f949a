"""The translation catalogues: fail when a message in the templates or code is missing from the
catalogue, when a Dutch message is untranslated, or when a compiled .mo is older than its .po.

Fix a failure with the commands in the README's "Portal translations" section."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import subplane.portal

PORTAL = Path(subplane.portal.__file__).parent
LOCALE = PORTAL / "locale"


def _ids(catalog) -> set[str]:
    return {m.id for m in catalog if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(PORTAL / "babel.cfg"),
                    "-k", "N_", "--no-location", "-o", str(out), str(PORTAL)], check=True, capture_output=True)
    with out.open("rb") as handle:
        return _ids(read_po(handle))


def test_the_template_matches_what_the_code_and_templates_say(extracted):
    with (LOCALE / "messages.pot").open("rb") as handle:
        committed = _ids(read_po(handle))
    assert extracted - committed == set(), "new messages: run the extract/update commands"
    assert committed - extracted == set(), "messages no longer used: run the extract/update commands"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_each_catalogue_has_every_message_translated_and_compiled(extracted, language):
    po_path = LOCALE / language / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        po = read_po(handle, locale=language)
    assert _ids(po) == extracted
    untranslated = sorted(m.id for m in po if m.id and not m.string)
    assert untranslated == []
    fuzzy = sorted(m.id for m in po if m.id and m.fuzzy)
    assert fuzzy == []
    with (po_path.with_suffix(".mo")).open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == {m.id: m.string for m in po if m.id}, "stale .mo: run pybabel compile"


def test_dutch_uses_the_founding_documents_words():
    with (LOCALE / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        nl = {m.id: m.string for m in read_po(handle, locale="nl") if m.id}
    assert nl["Subscriptions"] == "Abonnementen"
    assert nl["Overview"] == "Overzicht"
    assert nl["Cancel subscription"] == "Abonnement opzeggen"
