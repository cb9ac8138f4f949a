"""The envelopes a webhook endpoint can choose, and how each is signed.

- ``subplane``: Subplane's own envelope, signed ``Subplane-Signature: t=<unix>,v1=<hex HMAC>`` (the first format;
  endpoints that chose it keep it).
- ``cloudevents``: a CloudEvents 1.0 event in structured JSON mode (``application/cloudevents+json``).
- ``eventgrid``: Azure Event Grid's event schema (a JSON array of one event); subscription actions carry Event Grid's
  own event types (``Microsoft.Resources.ResourceActionSuccess`` with the ARM operation name, ...).

The last two are signed as the Standard Webhooks specification says (``webhook-id``, ``webhook-timestamp``,
``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`` keyed with the base64 secret after
``whsec_``), so receivers verify them with that specification's libraries.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain import events
from ..domain.operations import arm_operation

FORMATS = ("subplane", "cloudevents", "eventgrid")
CLOUDEVENTS_TYPE_PREFIX = "dev.subplane."
SECRET_PREFIX = "whsec_"
# Subplane's subscription events as Event Grid reports ARM operations at a subscription topic
_EVENT_GRID_TYPES = {
    events.SUBSCRIPTION_CREATED: ("Microsoft.Resources.ResourceActionSuccess", "create"),
    events.SUBSCRIPTION_CANCELLED: ("Microsoft.Resources.ResourceActionSuccess", "cancel"),
    events.SUBSCRIPTION_REACTIVATED: ("Microsoft.Resources.ResourceActionSuccess", "reactivate"),
    events.SUBSCRIPTION_RENAMED: ("Microsoft.Resources.ResourceActionSuccess", "rename"),
    events.SUBSCRIPTION_DELETED: ("Microsoft.Resources.ResourceDeleteSuccess", "delete"),
}


@dataclass(frozen=True)
class Rendered:
    body: bytes
    content_type: str


def new_secret() -> str:
    """A secret every format can use: Standard Webhooks' ``whsec_`` + base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


def _time(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def render(fmt: str, row: dict) -> Rendered:
    """``row``: a delivery joined with its outbox event (event_id, type, subject, instant, data, subscription_id)."""
    data = row["data"] or {}
    if fmt == "cloudevents":
        return Rendered(_compact({
            "specversion": "1.0", "id": row["event_id"], "source": "/subplane" + (
                f"/subscriptions/{row['subscription_id']}" if row.get("subscription_id") else ""),
            "type": CLOUDEVENTS_TYPE_PREFIX + row["type"].removeprefix("Subplane.").lower(),
            "subject": row["subject"], "time": _time(row["instant"]), "datacontenttype": "application/json",
            "data": data}), "application/cloudevents+json; charset=utf-8")
    if fmt == "eventgrid":
        return Rendered(_compact([_event_grid(row, data)]), "application/json; charset=utf-8")
    return Rendered(_compact({"id": row["event_id"], "type": row["type"], "subject": row["subject"],
                              "time": row["instant"].isoformat(), "data": data}), "application/json")


def _event_grid(row: dict, data: dict) -> dict:
    topic = f"/subscriptions/{row['subscription_id']}" if row.get("subscription_id") else "/subplane"
    event_type, action = _EVENT_GRID_TYPES.get(row["type"], (row["type"], None))
    body = data
    if action is not None:
        body = {"operationName": arm_operation(action, "Microsoft.Resources/subscriptions"), "status": "Succeeded",
                "resourceProvider": "Microsoft.Subscription", "resourceUri": row["subject"],
                "subscriptionId": row.get("subscription_id") or "", "details": data}
    return {"id": row["event_id"], "topic": topic, "subject": row["subject"], "eventType": event_type,
            "eventTime": _time(row["instant"]), "data": body, "dataVersion": "1", "metadataVersion": "1"}


def standard_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def is_standard_secret(secret: str) -> bool:
    try:
        return secret.startswith(SECRET_PREFIX) and len(base64.b64decode(secret[len(SECRET_PREFIX):],
                                                                         validate=True)) >= 16
    except ValueError:
        return False
