"""How the CLI shows things: JSON for scripts (stable camelCase names), Rich tables for people."""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from typing import Any, Iterable

from rich.console import Console
from rich.table import Table

from ..domain.lifecycle import Subscription
from ..domain.resources import Resource

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def instant(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def subscription_json(sub: Subscription) -> dict[str, Any]:
    return {
        "subscriptionId": sub.subscription_id,
        "id": sub.resource_id,
        "displayName": sub.display_name,
        "state": sub.state.value,
        "stateReason": sub.state_reason.value if sub.state_reason else None,
        "offerId": sub.offer_id,
        "tenantId": sub.tenant_id,
        "billingAccountId": sub.billing_account_id,
        "createdAt": instant(sub.created_at),
        "cancelledAt": instant(sub.cancelled_at),
        "cancellationReason": sub.cancellation_reason,
        "cancelledBy": sub.cancelled_by,
        "deletionDate": instant(sub.deletion_date),
    }


def resource_json(resource: Resource) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": resource.resource_id,
        "type": resource.type.value,
        "name": resource.name,
        "resourceGroup": resource.resource_group,
        "location": resource.location,
        "subscriptionId": resource.subscription_id,
    }
    optional = {
        "vmSize": resource.vm_size,
        "powerState": resource.power_state,
        "sku": resource.sku,
        "networkInterfaceId": resource.nic_id,
        "publicIpAddressId": resource.public_ip_id,
        "allocationMethod": resource.allocation_method,
        "readOnly": resource.read_only,
        "diskSizeGB": resource.disk_size_gb,
    }
    data.update({k: (v.value if isinstance(v, Enum) else v) for k, v in optional.items() if v is not None})
    if resource.allocation_method is not None:
        data["ipAddress"] = resource.ip_address
    return data


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot serialise {type(value).__name__}")


def emit_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=_default))


def table(title: str, columns: Iterable[str], rows: Iterable[Iterable[Any]], *, whole: Iterable[str] = ()) -> None:
    """``whole``: columns never wrapped (values people copy into the next command, e.g. invoice numbers)."""
    grid = Table(title=title, title_justify="left")
    keep = set(whole)
    for column in columns:
        grid.add_column(column, overflow="fold", no_wrap=column in keep)  # wrap long ids rather than cut them off
    for row in rows:
        grid.add_row(*["—" if v is None else (v.value if isinstance(v, Enum) else str(v)) for v in row])
    console.print(grid)


STATE_STYLE = {"Enabled": "green", "Warned": "yellow", "PastDue": "yellow", "Disabled": "red", "Deleted": "dim"}


def state_text(sub: Subscription) -> str:
    label = sub.state.value + (f" ({sub.state_reason.value})" if sub.state_reason else "")
    return f"[{STATE_STYLE.get(sub.state.value, 'white')}]{label}[/]"
