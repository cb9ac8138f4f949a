"""Which text can be stored at all: the rule every edge and every name, location and tag check shares.

A lone surrogate (U+D800-U+DFFF, which JSON escapes, broken UTF-8 read with ``surrogateescape`` and
command-line arguments can carry) has no UTF-8 encoding, and PostgreSQL's text types cannot hold NUL.
"""

from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_character(text: str) -> str | None:
    """The first character of ``text`` no database can store, or None."""
    found = _UNSTORABLE.search(text)
    return found.group() if found else None


def storable(text: str) -> str:
    """``text`` with every character no database can store replaced by U+FFFD: for recording refused input."""
    return _UNSTORABLE.sub("\ufffd", text)


def describe(character: str) -> str:
    return f"U+{ord(character):04X}"
