"""How the CLI shows things: JSON for scripts (stable camelCase names), Rich tables for people."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, overload

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from ..domain.lifecycle import Subscription
    from ..domain.resources import Resource

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


@overload
def instant(value: datetime) -> str: ...
@overload
def instant(value: datetime | None) -> str | None: ...
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


SHORT_CELL = 24  # cells up to this long stay on one line ("Disabled (Cancelled)"); longer ones wrap at spaces


def table(title: str, columns: Iterable[str], rows: Iterable[Iterable[Any]], *, whole: Iterable[str] = (),
          optional: Iterable[str] = ()) -> None:
    """A table that never splits a word at the console's width.

    ``whole``: columns never wrapped (values people copy into the next command, e.g. ids, invoice numbers).
    ``optional``: columns left out, in this order, when the rest would not fit; when even the others do not
    fit, each row is shown as "Column: value" lines instead.
    """
    headers = list(columns)
    cells = [[_cell(v) for v in row] for row in rows]
    keep = set(whole)
    shown = list(range(len(headers)))
    for name in optional:
        if _fits(headers, cells, shown, keep):
            break
        shown = [i for i in shown if headers[i] != name]
    if not _fits(headers, cells, shown, keep):
        _vertical(title, headers, cells)
        return
    hidden = [h for i, h in enumerate(headers) if i not in shown]
    grid = Table(title=title, title_justify="left")
    widths = _widths(headers, cells, shown, keep)
    for i, width in zip(shown, widths, strict=False):
        grid.add_column(headers[i], width=width, no_wrap=headers[i] in keep, overflow="fold")
    for row in cells:
        grid.add_row(*[row[i] for i in shown])
    console.print(grid)
    if hidden:
        console.print(f"Not shown at this width: {', '.join(hidden)} (use a wider terminal or -o json)",
                      style="dim", soft_wrap=False, highlight=False)


def _cell(value: Any) -> str:
    return "—" if value is None else (value.value if isinstance(value, Enum) else str(value))


def _plain(cell: str) -> str:
    return Text.from_markup(cell).plain


def _natural(headers: list[str], cells: list[list[str]], i: int) -> int:
    return max([cell_len(headers[i])] + [cell_len(_plain(row[i])) for row in cells])


def _narrowest(headers: list[str], cells: list[list[str]], i: int, whole: set[str]) -> int:
    """The width below which column ``i`` would have to split a word (or a short cell, or a whole value)."""
    if headers[i] in whole:
        return _natural(headers, cells, i)

    def unit(text: str) -> int:
        return cell_len(text) if cell_len(text) <= SHORT_CELL else max(map(cell_len, text.split()), default=0)

    return max([max(map(cell_len, headers[i].split()), default=1)] + [unit(_plain(row[i])) for row in cells])


def _room(count: int) -> int:
    return console.width - (3 * count + 1)  # rich's default box: a border and one space each side per column


def _fits(headers, cells, shown, whole) -> bool:
    return bool(shown) and sum(_narrowest(headers, cells, i, whole) for i in shown) <= _room(len(shown))


def _widths(headers, cells, shown, whole) -> list[int]:
    """Natural widths, the widest wrappable column narrowed first, never below what keeps words whole."""
    widths = {i: _natural(headers, cells, i) for i in shown}
    floors = {i: _narrowest(headers, cells, i, whole) for i in shown}
    while sum(widths.values()) > _room(len(shown)):
        widest = max((i for i in shown if widths[i] > floors[i]), key=lambda i: widths[i] - floors[i])
        widths[widest] -= 1
    return [widths[i] for i in shown]


def _vertical(title: str, headers: list[str], cells: list[list[str]]) -> None:
    console.print(title, style="italic", highlight=False)
    label_width = max(map(cell_len, headers)) + 1
    for row in cells:
        console.print()
        for header, value in zip(headers, row, strict=False):
            line = Text(f"{header + ':':<{label_width}} ")
            line.append_text(Text.from_markup(value))
            console.print(line, soft_wrap=False, overflow="fold")


STATE_STYLE = {"Enabled": "green", "Warned": "yellow", "PastDue": "yellow", "Disabled": "red", "Deleted": "dim"}


def state_text(sub: Subscription) -> str:
    label = sub.state.value + (f" ({sub.state_reason.value})" if sub.state_reason else "")
    return f"[{STATE_STYLE.get(sub.state.value, 'white')}]{label}[/]"


def estimate_json(figures) -> dict[str, Any]:
    return {"currency": figures.currency, "charges": str(figures.charges), "credits": str(figures.credits),
            "tax": str(figures.tax), "total": str(figures.total), "creditsRemaining": str(figures.credits_remaining),
            "periodStart": instant(figures.period_start), "finalInvoiceDate": figures.final_invoice_date.isoformat(),
            "deletionDate": instant(figures.deletion_date)}


def show_final_estimate(figures) -> None:
    """After `subscriptions cancel` (table output): the estimated final invoice."""
    console.print(f"  Estimated final charges {figures.currency} {figures.charges}, credits {figures.credits}, "
                  f"VAT {figures.tax}, total {figures.total}; final invoice on {figures.final_invoice_date}")
