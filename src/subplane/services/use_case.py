"""One use case's plumbing, written once: the unit of work, the action name, the audit subject.

    with use_case(self.uow, "rename", actor=actor, target=ref, correlation_id=correlation_id) as case:
        sub = case.subscription(ref, for_update=True)
        ...                                    # the domain logic
        case.succeeded(details={...})          # filed under "rename" and the subscription
        return decision.after

Every action, allowed or refused, lands in the activity log exactly once. A success is recorded inside
the use case's own transaction; a refusal rolls that transaction back, so it is recorded afterwards in a
transaction of its own, then re-raised to the edge. The subscription an entry is filed under is said
explicitly (``subscription()``, ``about()``), never learnt from a lookup's side effect.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from ..domain.access import Principal
from ..domain.errors import DomainError
from ..domain.lifecycle import Subscription
from ..domain.text import storable
from .lookup import resolve
from .unit_of_work import UnitOfWork, UowFactory

SUCCEEDED, REFUSED = "Succeeded", "Refused"


def record_success(
    uow: UnitOfWork, *, actor: Principal, action: str, subscription_id: str | None,
    target: str | None = None, details: dict[str, Any] | None = None,
) -> None:
    """A success inside the caller's transaction: for work that runs inside another's unit of work
    (a job, a system transition) and so has no use case of its own."""
    uow.activity.record(
        instant=uow.now, actor=actor.name, action=action, outcome=SUCCEEDED, subscription_id=subscription_id,
        target=target, correlation_id=uow.correlation_id, details=details,
    )


def _storable(value: Any) -> Any:
    """A refusal is recorded even when the refused input holds text no database can store."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


class Case:
    """One action's record inside a unit of work: who acts, under which name, about which subscription.

    A job or a system transition runs inside a unit of work its caller opened and builds one directly;
    a use case that opens its own is a ``UseCase``."""

    def __init__(self, uow: UnitOfWork, action: str, *, actor: Principal, subject: str | None = None) -> None:
        self.uow = uow
        self.action = action
        self.actor = actor
        self.subject = subject  # the subscription the activity entry is filed under, once known

    def about(self, subscription_id: str) -> str:
        """File this action's activity entry under ``subscription_id``."""
        self.subject = subscription_id
        return subscription_id

    def subscription(self, ref: str, *, for_update: bool = False) -> Subscription:
        """The subscription ``ref`` names (its id, or its unique display name), which becomes the subject;
        ``for_update`` locks its row, as every write does before touching any other row."""
        sub = resolve(self.uow, ref)
        self.about(sub.subscription_id)
        if for_update:
            sub = self.uow.subscriptions.get(sub.subscription_id, for_update=True)
        return sub

    def succeeded(self, *, target: str | None = None, details: dict[str, Any] | None = None,
                  action: str | None = None) -> None:
        """Record the success under this action's name (or the narrower ``action`` it turned out to be, such as
        updateBudget for a createBudget that found one) and subject, in its transaction."""
        record_success(self.uow, actor=self.actor, action=action or self.action, subscription_id=self.subject,
                       target=target, details=details)


    def refused(self, error: DomainError, *, target: str | None) -> None:
        """Record a refusal in this unit of work: for work its rules refused before it changed anything."""
        self.uow.activity.record(
            instant=self.uow.now, actor=self.actor.name, action=self.action, outcome=REFUSED,
            subscription_id=self.subject, target=_storable(target), code=error.code, message=_storable(error.message),
            correlation_id=self.uow.correlation_id,
            details={k: _storable(v) for k, v in error.params.items() if isinstance(v, (str, int, list, type(None)))},
        )


class UseCase(Case):
    """A context manager that opens the use case's own unit of work and logs a refusal (see the module docstring)."""

    def __init__(self, uow_factory: UowFactory, action: str, *, actor: Principal, target: str | None,
                 correlation_id: str | None = None, subject: str | None = None) -> None:
        super().__init__(uow_factory(correlation_id=correlation_id), action, actor=actor, subject=subject)
        self._factory = uow_factory
        self.target = target

    def __enter__(self) -> UseCase:
        self.uow.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.uow.__exit__(exc_type, exc, tb)  # commits, or rolls back on any error
        if isinstance(exc, DomainError):
            self._record_refusal(exc)

    def _record_refusal(self, error: DomainError) -> None:
        """The use case's transaction rolled back: its refusal goes in one of its own, same correlation id."""
        with self._factory(correlation_id=self.uow.correlation_id) as log:
            Case(log, self.action, actor=self.actor, subject=self.subject).refused(error, target=self.target)


use_case = UseCase  # reads as a verb at the call site: ``with use_case(self.uow, "cancel", ...) as case``
