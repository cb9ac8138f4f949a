"""Every action, allowed or refused, lands in the activity log exactly once.

Successes are recorded inside the use case's own transaction. A refusal rolls that transaction back,
so it is recorded afterwards in a transaction of its own, then re-raised to the edge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..domain.access import Principal
from ..domain.errors import DomainError
from ..domain.text import storable
from .unit_of_work import UnitOfWork, UowFactory

T = TypeVar("T")

SUCCEEDED, REFUSED = "Succeeded", "Refused"


def record_success(
    uow: UnitOfWork, *, actor: Principal, action: str, subscription_id: str | None,
    target: str | None = None, details: dict[str, Any] | None = None,
) -> None:
    uow.activity.record_many([activity_record(uow, actor=actor, action=action, subscription_id=subscription_id,
                                              target=target, details=details)])


def activity_record(
    uow: UnitOfWork, *, actor: Principal, action: str, subscription_id: str | None,
    target: str | None = None, details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A success's activity row, for ``ActivityRepo.record_many`` (many at once: a batch of purges)."""
    return dict(instant=uow.now, actor=actor.name, action=action, outcome=SUCCEEDED, subscription_id=subscription_id,
                target=target, code=None, message=None, correlation_id=uow.correlation_id, details=details or {})


def _storable(value: Any) -> Any:
    """A refusal is recorded even when the refused input holds text no database can store."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


def audited(
    uow_factory: UowFactory, *, actor: Principal, action: str, subscription_id: str | None, target: str | None,
    correlation_id: str | None, work: Callable[[UnitOfWork], T],
) -> T:
    uow = uow_factory(correlation_id=correlation_id)
    try:
        with uow:
            return work(uow)
    except DomainError as error:
        with uow_factory(correlation_id=uow.correlation_id) as log:
            log.activity.record(
                instant=log.now, actor=actor.name, action=action, outcome=REFUSED,
                subscription_id=uow.subscription_id or subscription_id, target=_storable(target),
                code=error.code, message=_storable(error.message), correlation_id=log.correlation_id,
                details={k: _storable(v) for k, v in error.params.items() if isinstance(v, (str, int, list, type(None)))},
            )
        raise
