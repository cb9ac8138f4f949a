"""What one area asks of another, as Protocols: the caller sees the calls, not the class behind them.

The lifecycle asks billing for the figures of a cancel and metering to follow a state change; resources tell
metering what they added; billing asks the lifecycle for the transitions it drives (credit, spending limit,
past due). The composition root (``bootstrap``) passes the implementations in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from ..domain.access import SYSTEM, Principal
from ..domain.jobs import JobResult
from ..domain.lifecycle import Decision, LifecycleAction, Subscription
from .unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from ..domain.offers import Offer
    from ..domain.resources import Resource


class MeteringHooks(Protocol):
    """What billing meters, told by the lifecycle and the resource services inside their transactions."""

    def subscription_created(self, uow: UnitOfWork, sub: Subscription) -> None: ...

    def state_changed(self, uow: UnitOfWork, before: Subscription, after: Subscription) -> None: ...

    def resources_added(self, uow: UnitOfWork, subscription_id: str, resources: list[Resource | None]) -> None: ...

    def sync(self, uow: UnitOfWork, subscription_id: str, *, sub: Subscription | None = None) -> None: ...

    def sync_stored_bytes(self, uow: UnitOfWork, account: Resource) -> None: ...

    def forget(self, uow: UnitOfWork, subscription_ids: list[str]) -> set[str]: ...


class BillingHooks(Protocol):
    """What the lifecycle asks billing: may this account create, what does a cancel cost, the support plan."""

    def require_payment_method(self, uow: UnitOfWork, billing_account_id: str, offer: Offer) -> None: ...

    def cancel_figures(self, uow: UnitOfWork, sub: Subscription) -> Any: ...

    def set_support_auto_renew(self, uow: UnitOfWork, subscription_id: str, auto_renew: bool | None) -> dict[str, Any] | None: ...


class SystemTransitions(Protocol):
    """The lifecycle transitions billing drives, inside billing's own unit of work."""

    def apply_system_transition(
        self, uow: UnitOfWork, subscription_id: str, action: LifecycleAction, *, actor: Principal = SYSTEM,
        data: dict[str, Any] | None = None,
    ) -> Decision: ...


class DueJobs(Protocol):
    """The job runner, as the clock's advance drives it: run every due job, reporting each."""

    def run_due(self, *, limit: int | None = None,
                on_job: Callable[[JobResult], None] | None = None) -> list[JobResult]: ...
