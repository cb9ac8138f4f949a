"""Azure Monitor's activity log at subscription scope (``ActivityLogs_List``, api-version 2015-04-01), readable with
``azure-mgmt-monitor``'s ``activity_logs.list`` and ``az monitor activity-log list``: Subplane's activity log in
Azure's ``EventData`` shape, refusals included as ``Failed``.

``$filter`` takes the patterns the spec allows, joined by ``and``: ``eventTimestamp ge|gt|le|lt <instant>`` (required
lower bound), then ``correlationId``, ``resourceGroupName``, ``resourceUri`` (or ``resourceId``, as az writes it),
``resourceProvider``, ``caller`` and ``status`` with ``eq``. Values may be quoted (the SDK docs) or bare (az).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from ...domain.operations import arm_operation
from ...services.activity_log import EventQuery
from .errors import ArmError
from .routing import ArmRequest, ArmRouter, next_link

_AREA = "insights"
_CONDITION = re.compile(r"^\s*(\w+)\s+(eq|ge|gt|le|lt)\s+('(?:[^']|'')*'|\S+)\s*$", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_EQUALITY_FIELDS = {"correlationid": "correlation_id", "resourcegroupname": "resource_group",
                    "resourceuri": "resource_id", "resourceid": "resource_id", "caller": "caller", "status": "status"}
_EVENT_NAMESPACE = uuid.UUID("0b8b7f0e-6d0c-4f55-9a7e-3c1f5e2d7a41")



def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    except ValueError:
        raise ArmError(400, "BadRequest", f"Cannot read the time {text!r} in $filter.") from None


def parse_filter(text: str | None) -> tuple[EventQuery, str | None]:
    """The query and the resource provider asked for (matched on the rendered events)."""
    if not text or not text.strip():
        raise ArmError(400, "BadRequest", "The $filter parameter is required and must give at least "
                                          "'eventTimestamp ge <start time>'.")
    since = until = None
    fields: dict[str, str] = {}
    provider = None
    for condition in _AND.split(text.strip()):
        match = _CONDITION.match(condition)
        if not match:
            raise ArmError(400, "BadRequest", f"The $filter condition {condition!r} is not supported.")
        name, op, raw = match.group(1).lower(), match.group(2).lower(), match.group(3)
        value = raw[1:-1].replace("''", "'") if raw.startswith("'") and raw.endswith("'") and len(raw) > 1 else raw
        if name == "eventtimestamp" and op in ("ge", "gt"):
            since = _instant(value)
        elif name == "eventtimestamp" and op in ("le", "lt"):
            until = _instant(value)
        elif op == "eq" and name in _EQUALITY_FIELDS:
            fields[_EQUALITY_FIELDS[name]] = value
        elif op == "eq" and name == "resourceprovider":
            provider = value
        else:
            raise ArmError(400, "BadRequest", f"The $filter condition {condition!r} is not supported.")
    if since is None:
        raise ArmError(400, "BadRequest", "The $filter must give the start time: 'eventTimestamp ge <start time>'.")
    return EventQuery(since=since, until=until or datetime.max.replace(tzinfo=UTC), **fields), provider


def _resource_type(resource_id: str) -> str:
    parts = resource_id.strip("/").split("/")
    if "providers" in parts:
        at = len(parts) - 1 - parts[::-1].index("providers")
        rest = parts[at + 1:]
        return "/".join([rest[0], *rest[1::2]]) if rest else "Microsoft.Resources/subscriptions"
    if len(parts) >= 4 and parts[2].lower() == "resourcegroups":
        return "Microsoft.Resources/subscriptions/resourceGroups"
    return "Microsoft.Resources/subscriptions"


def _localizable(value: str) -> dict[str, str]:
    return {"value": value, "localizedValue": value}


def event_data(record: dict, *, subscription_id: str, tenant_id: str) -> dict[str, Any]:
    target = record.get("target") or ""
    resource_id = target if target.lower().startswith("/subscriptions/") else f"/subscriptions/{subscription_id}"
    resource_type = _resource_type(resource_id)
    operation = arm_operation(record["action"], resource_type)
    group = re.search(r"/resourceGroups/([^/]+)", resource_id, re.IGNORECASE)
    succeeded = record["outcome"] == "Succeeded"
    event_id = str(uuid.uuid5(_EVENT_NAMESPACE, f"{subscription_id}:{record['id']}"))
    instant = record["instant"].astimezone(UTC)
    stamp = instant.isoformat().replace("+00:00", "Z")
    ticks = int((instant - datetime(1, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)
    properties = {key: str(value) for key, value in (record.get("details") or {}).items() if value is not None}
    properties["statusCode"] = "OK" if succeeded else (record.get("code") or "Failed")
    if record.get("message"):
        properties["statusMessage"] = record["message"]
    return {
        "authorization": {"action": operation, "scope": resource_id},
        "caller": record["actor"],
        "claims": {},
        "correlationId": record.get("correlation_id") or event_id,
        "description": "",
        "eventDataId": event_id,
        "eventName": {"value": "EndRequest", "localizedValue": "End request"},
        "category": _localizable("Administrative"),
        "id": f"{resource_id}/events/{event_id}/ticks/{ticks}",
        "level": "Informational" if succeeded else "Error",
        "resourceGroupName": group.group(1) if group else "",
        "resourceProviderName": _localizable(resource_type.split("/")[0]),
        "resourceId": resource_id,
        "resourceType": _localizable(resource_type),
        "operationId": event_id,
        "operationName": _localizable(operation),
        "properties": properties,
        "status": _localizable("Succeeded" if succeeded else "Failed"),
        "subStatus": _localizable("" if succeeded else (record.get("code") or "")),
        "eventTimestamp": stamp,
        "submissionTimestamp": stamp,
        "subscriptionId": subscription_id,
        "tenantId": tenant_id,
    }


def _selected(event: dict[str, Any], select: str | None) -> dict[str, Any]:
    if not select:
        return event
    wanted = {name.strip().lower() for name in select.split(",") if name.strip()}
    return {key: value for key, value in event.items() if key.lower() in wanted}


def register(router: ArmRouter) -> None:
    @router.route("GET", "/subscriptions/{sub}/providers/Microsoft.Insights/eventtypes/management/values",
                  area=_AREA, resource_type="Microsoft.Insights/eventtypes")
    def activity_log(ctx: ArmRequest):
        query, provider = parse_filter(ctx.q("$filter"))
        token = ctx.q("$skiptoken")
        before = None
        if token is not None:
            if not token.isdigit() or len(token) > 18:
                raise ArmError(400, "BadRequest", "The $skipToken is not one this service gave out.")
            before = int(token)
        found = ctx.app.activity_log.events(actor=ctx.actor, ref=ctx.params["sub"], query=query,
                                            before_id=before, limit=ctx.page_size)
        events = [event_data(r, subscription_id=found.subscription.subscription_id,
                             tenant_id=found.subscription.tenant_id) for r in found.records]
        if provider is not None:
            events = [e for e in events if e["resourceProviderName"]["value"].lower() == provider.lower()]
        body: dict[str, Any] = {"value": [_selected(e, ctx.q("$select")) for e in events]}
        if found.next_before is not None:
            body["nextLink"] = next_link(ctx, found.next_before)
        return body
