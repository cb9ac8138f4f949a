"""docs/lifecycle.md shows the state table and the offers that run: regenerate with `python -m tests.unit.lifecycle.lifecycle_doc`."""

from __future__ import annotations

from pathlib import Path

from .lifecycle_doc import BEGIN, END, OFFERS_BEGIN, OFFERS_END, block, offers_table, transitions_table

DOC = Path(__file__).resolve().parents[3] / "docs" / "lifecycle.md"


def test_the_transitions_table_is_the_domains():
    assert block(BEGIN, transitions_table(), END) in DOC.read_text("utf-8")


def test_the_offers_table_is_the_shipped_offers():
    assert block(OFFERS_BEGIN, offers_table(), OFFERS_END) in DOC.read_text("utf-8")
