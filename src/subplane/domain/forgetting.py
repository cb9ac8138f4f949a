"""What a purge keeps of a deleted subscription's words, as pure rules (docs/data-retention.md).

Kept: ids, states, instants, amounts, codes. Replaced: every name, tag or text a user gave, outside
the invoices kept by law.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from typing import Any

from .events import FACT_KEYS
from .lifecycle import Subscription

PSEUDONYM_PREFIX = "purged:"


def deleted_display_name(subscription_id: str) -> str:
    """The name a deleted subscription's record keeps once no invoice needs its real one."""
    return f"deleted-{subscription_id[:8]}"


def kept_record(sub: Subscription, *, invoice_pending: bool) -> Subscription:
    """The ``Deleted`` record as kept: the cancel's free-text reason goes; the name goes too unless
    the final invoice, which prints it, is still to be issued."""
    name = sub.display_name if invoice_pending else deleted_display_name(sub.subscription_id)
    return replace(sub, display_name=name, cancellation_reason=None)


def facts_only(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key in FACT_KEYS}


class Pseudonyms:
    """The same value gets the same pseudonym within one purge, and no pseudonym leads back to its
    value: an HMAC under a key the caller draws at random and never stores."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def of(self, value: str) -> str:
        return PSEUDONYM_PREFIX + hmac.new(self._key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:16]

    @staticmethod
    def is_pseudonym(value: str) -> bool:
        return value.startswith(PSEUDONYM_PREFIX)
