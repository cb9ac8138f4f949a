"""Metering as time spans: what a resource in a given state is billed for, declared once.

A span is (resource, meter, quantity, start, end). It opens when a billable state begins and closes
when it ends; an open span has ``end=None``. ``quantity`` is 1, or the bytes stored for storage
capacity. Nothing here reads a clock or a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from .lifecycle import State
from .prices import PriceList
from .resources import PowerState, Resource, ResourceType

BILLABLE_STATES = frozenset({State.ENABLED, State.WARNED, State.PAST_DUE})
ALLOCATED_POWER = frozenset({PowerState.RUNNING, PowerState.STOPPED, PowerState.STARTING, PowerState.STOPPING})


@dataclass(frozen=True)
class Span:
    subscription_id: str
    resource_id: str
    meter: str
    quantity: int
    start: datetime
    end: datetime | None = None
    span_id: int | None = None

    def clipped(self, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
        """The part of this span inside [start, end), or None."""
        lo = max(self.start, start)
        hi = end if self.end is None else min(self.end, end)
        return (lo, hi) if lo < hi else None


@dataclass(frozen=True)
class Meter:
    """What one resource should be accruing right now."""

    resource_id: str
    meter: str
    quantity: int


def billable(state: State) -> bool:
    return state in BILLABLE_STATES


def meters_for(resource: Resource, *, stored_bytes: int, prices: PriceList) -> list[Meter]:
    """The meters a resource accrues in its current state (the subscription being billable)."""
    kind = resource.type
    if kind is ResourceType.VIRTUAL_MACHINE:
        if resource.power_state in ALLOCATED_POWER:
            return [Meter(resource.resource_id, f"vm/{resource.vm_size}", 1)]
        return []
    if kind is ResourceType.PUBLIC_IP:
        if resource.ip_address is None:
            return []
        method = resource.allocation_method.value if resource.allocation_method else "Dynamic"
        return [Meter(resource.resource_id, f"ip/{(resource.sku or 'Basic').capitalize()}/{method}", 1)]
    if kind is ResourceType.STORAGE_ACCOUNT:
        if stored_bytes <= 0:
            return []
        return [Meter(resource.resource_id, f"storage/{resource.sku or 'Standard_LRS'}", stored_bytes)]
    if kind is ResourceType.DISK:
        sku = resource.sku or "Premium_LRS"
        return [Meter(resource.resource_id, f"disk/{sku}/{prices.disk_tier(sku, resource.disk_size_gb or 0)}", 1)]
    return []


def check_priced(resource: Resource, *, currency: str, prices: PriceList) -> None:
    """Refuse a resource the price list cannot bill (unknown size, SKU or currency): probe its billable state."""
    fully_on = replace(resource, power_state=PowerState.RUNNING, ip_address=resource.ip_address or "0.0.0.0")
    for meter in meters_for(fully_on, stored_bytes=1, prices=prices):
        prices.require(meter.meter, currency)


@dataclass(frozen=True)
class SpanChanges:
    close: list[Span]
    open: list[Meter]


def reconcile(open_spans: Iterable[Span], wanted: Iterable[Meter]) -> SpanChanges:
    """Close the open spans no longer wanted (or with another quantity); open the missing ones."""
    wanted_keys = {(m.resource_id, m.meter, m.quantity): m for m in wanted}
    have = {(s.resource_id, s.meter, s.quantity): s for s in open_spans}
    close = [span for key, span in have.items() if key not in wanted_keys]
    return SpanChanges(close, [meter for key, meter in wanted_keys.items() if key not in have])
