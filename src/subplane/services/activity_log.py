"""Reading a subscription's activity log by time window and filter: what auditors ask through
Azure Monitor's activity-log API (``api/arm/activity_log.py``). Allowed and refused actions alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..domain.access import Action, Principal
from ..domain.errors import InvalidInput
from ..domain.lifecycle import Subscription
from ..domain.offers import OfferCatalogue
from .access import require
from .faults import FAILED
from .lookup import resolve
from .unit_of_work import UnitOfWork
from .use_case import REFUSED, SUCCEEDED

RETENTION = timedelta(days=90)  # Azure keeps 90 days of activity; older records stay in Subplane's own log
PAGE = 200

# blob reads and writes are the data plane: Azure's activity log holds management operations only
DATA_PLANE = ("putBlob", "deleteBlob")
# what a reader filters on: the outcome as Azure reports it -> Subplane's outcomes behind it
STATUS_OUTCOMES: dict[str, tuple[str, ...]] = {"succeeded": (SUCCEEDED,), "failed": (REFUSED, FAILED)}


@dataclass(frozen=True)
class EventQuery:
    since: datetime
    until: datetime
    correlation_id: str | None = None
    resource_group: str | None = None
    resource_id: str | None = None
    caller: str | None = None
    status: str | None = None  # "Succeeded" or "Failed", any case


@dataclass(frozen=True)
class EventPage:
    subscription: Subscription
    records: list[dict[str, Any]]
    next_before: int | None  # the keyset token of the next page, None on the last


class ActivityLogService:
    def __init__(self, uow: Callable[..., UnitOfWork], offers: OfferCatalogue) -> None:
        self._uow = uow
        self._offers = offers

    def events(self, *, actor: Principal, ref: str, query: EventQuery, before_id: int | None = None,
               limit: int = PAGE) -> EventPage:
        if query.since > query.until:
            raise InvalidInput("InvalidTimeRange", "The start of the time range must not be after its end.")
        outcomes = None
        if query.status is not None:
            outcomes = STATUS_OUTCOMES.get(query.status.lower(), ())
        with self._uow(read_only=True) as uow:
            sub = resolve(uow, ref)
            require(uow, self._offers, actor, sub, Action.READ)
            since = max(query.since, uow.now - RETENTION)
            if since > query.until or outcomes == ():
                return EventPage(sub, [], None)
            records = uow.activity.window(
                subscription_id=sub.subscription_id, since=since, until=query.until, before_id=before_id,
                correlation_id=query.correlation_id, scope=_scope(sub, query), actor=query.caller,
                outcomes=outcomes, exclude_actions=DATA_PLANE, limit=limit + 1)
        more = len(records) > limit
        records = records[:limit]
        return EventPage(sub, records, records[-1]["id"] if more else None)


def _scope(sub: Subscription, query: EventQuery) -> str | None:
    if query.resource_id is not None:
        return query.resource_id
    if query.resource_group is not None:
        return f"{sub.resource_id}/resourceGroups/{query.resource_group}"
    return None
