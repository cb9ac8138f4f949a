"""Keyset paging for ARM lists whose service reads one page at a time (``GET /subscriptions``).

The ``$skiptoken`` of a ``nextLink`` is opaque: ``k`` and the URL-safe base64 of a JSON array holding how
many items came before the page (what ``$top`` counts) and the sort key of the last item given. The next
page is read from just after that key, so a page costs O(page size), and an item inserted or removed
between pages neither repeats nor skips another. Tampering gains nothing: a token only says where to
resume, and every page is read through the caller's own access rule, so any token a caller makes up
shows it at most what it may see anyway; one that does not decode is 400 ``InvalidParameter``, as a
malformed number always was. A token that is a whole number is the offset the lists handed out before
(a walk that spans an upgrade keeps going).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ...domain.text import unstorable_character
from ..validation import INVALID_PARAMETER, RequestRefused, whole_number
from .routing import MAX_PAGE_PARAMETER, ArmRequest, next_link

Item = TypeVar("Item")
TOKEN_PREFIX = "k"
MAX_TOKEN_LENGTH = 2048
MAX_KEY_PART = 512


@dataclass(frozen=True)
class Position:
    """Where a page starts: ``before`` items came earlier; just after the key ``after`` (or ``offset`` in)."""

    before: int = 0
    after: tuple[str, ...] | None = None
    offset: int = 0


def _refused() -> RequestRefused:
    return RequestRefused(INVALID_PARAMETER, "The value of '$skiptoken' is not a token this service gave out.")


def encode_skiptoken(before: int, key: Sequence[str]) -> str:
    raw = json.dumps([before, *key], separators=(",", ":"), ensure_ascii=False).encode()
    return TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_skiptoken(token: str | None, *, key_parts: int) -> Position:
    if token is None or token == "":
        return Position()
    if token.isascii() and token.isdigit():  # an offset, as handed out before keyset paging
        offset = whole_number("$skiptoken", token, default=0, maximum=MAX_PAGE_PARAMETER)
        return Position(before=offset, offset=offset)
    if len(token) > MAX_TOKEN_LENGTH or not token.startswith(TOKEN_PREFIX) or not token.isascii():
        raise _refused()
    body = token[len(TOKEN_PREFIX):]
    try:
        value = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise _refused() from None
    if not isinstance(value, list) or len(value) != key_parts + 1:
        raise _refused()
    before, *key = value
    if isinstance(before, bool) or not isinstance(before, int) or not 0 <= before <= MAX_PAGE_PARAMETER:
        raise _refused()
    if not all(isinstance(part, str) and len(part) <= MAX_KEY_PART and unstorable_character(part) is None
               for part in key):
        raise _refused()
    return Position(before=before, after=tuple(key))


def keyset_page(ctx: ArmRequest, *, fetch: Callable[[Position, int], list[Item]],
                key: Callable[[Item], Sequence[str]], key_parts: int,
                render: Callable[[list[Item]], list[Any]]) -> dict:
    """``{"value": [...], "nextLink": ...}`` as ``routing.page`` answers (``$top`` caps the whole walk),
    with ``fetch(position, n)`` reading at most ``n`` items from ``position`` in the list's order."""
    top = whole_number("$top", ctx.q("$top"), default=MAX_PAGE_PARAMETER, maximum=MAX_PAGE_PARAMETER)
    position = decode_skiptoken(ctx.q("$skiptoken"), key_parts=key_parts)
    wanted = min(ctx.page_size, top - position.before)
    if wanted <= 0:
        return {"value": []}
    items = fetch(position, wanted + 1)  # one more than the page: is there a next one?
    more = len(items) > wanted
    items = items[:wanted]
    body: dict = {"value": render(items)}
    if more and position.before + len(items) < top:
        body["nextLink"] = next_link(ctx, encode_skiptoken(position.before + len(items), key(items[-1])))
    return body
