"""How a use case finds the subscription a caller names: by its id, or by its unique display name."""

from __future__ import annotations

from ..domain.errors import InvalidInput, NotFound
from ..domain.lifecycle import Subscription
from .unit_of_work import UnitOfWork

_GUID_LENGTH = 36


def resolve(uow: UnitOfWork, ref: str) -> Subscription:
    """A subscription by GUID or by exact display name."""
    ref = ref.strip()
    if len(ref) == _GUID_LENGTH and ref.count("-") == 4:
        return uow.subscriptions.get(ref)
    matches = uow.subscriptions.find_by_name(ref)
    if not matches:
        raise NotFound("SubscriptionNotFound", f"No subscription has the id or name {ref!r}.", reference=ref)
    if len(matches) > 1:
        raise InvalidInput(
            "AmbiguousSubscriptionName",
            f"{len(matches)} subscriptions are called {ref!r}; use the subscription id instead.",
        )
    return matches[0]
