"""Webhooks: every outbox event, as a signed JSON envelope, to every registered endpoint.

Fan-out reads the outbox after commit through its own cursor and stores one delivery per endpoint
and event. Delivery is at least once and in order per subscription: only the oldest pending delivery
of an (endpoint, subscription) pair is attempted; failures are retried with exponential backoff.
Retry times use the wall clock (the receiver's availability is real time, even in emulator mode).
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import logging
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from ..adapters import webhook_formats as formats
from ..adapters.db.ops_repo import OpsRepo
from ..adapters.notify import post_json
from ..domain.errors import InvalidInput, NotFound
from ..settings import Settings
from .unit_of_work import UowFactory

log = logging.getLogger("subplane.webhooks")
CONSUMER = "webhooks"
EVENT_NAMESPACE = uuid.UUID("6f1d2a8e-8c9b-4f0e-9a51-5b7c3d2e1f00")
SIGNATURE_HEADER = "Subplane-Signature"
MAX_BACKOFF_SECONDS = 3600.0
# how long a claimed delivery is this sender's: well past one POST's timeout (adapters.notify.post_json)
DELIVERY_LEASE = timedelta(minutes=1)


def wall_now() -> datetime:
    return datetime.now(UTC)


def event_id(outbox_row: dict[str, Any]) -> str:
    """Stable per event: the same id on every endpoint and every retry."""
    key = f"{outbox_row['id']}|{outbox_row['instant'].isoformat()}|{outbox_row['type']}|{outbox_row['subject']}"
    return str(uuid.uuid5(EVENT_NAMESPACE, key))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>``, as Stripe does it."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, tolerance_seconds: float | None = 300) -> bool:
    """What a receiver does; shipped so tests and users check signatures the same way."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    timestamp = int(parts.get("t", "0"))
    if tolerance_seconds is not None and abs(time.time() - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


class WebhookService:
    def __init__(self, uow: UowFactory, settings: Settings, instance: str) -> None:
        self.uow = uow
        self.instance = instance
        self.retry_seconds = settings.webhook_retry_seconds
        self.max_attempts = settings.webhook_max_attempts
        # One delivering thread per process (serve loop and clock endpoint both dispatch) saves claims
        # that would find nothing; correctness comes from the claims in the database.
        self._delivering = threading.Lock()

    # registration ------------------------------------------------------------------------------
    def add(self, *, url: str, secret: str | None = None, description: str | None = None,
            format: str = "subplane") -> dict[str, Any]:
        if not url.startswith(("http://", "https://")):
            raise InvalidInput("InvalidWebhookUrl", f"Webhook URL must start with http:// or https://, not {url!r}.")
        if format not in formats.FORMATS:
            raise InvalidInput("InvalidWebhookFormat", f"format must be one of {', '.join(formats.FORMATS)}, "
                                                       f"not {format!r}.")
        if secret is not None and format != "subplane" and not formats.is_standard_secret(secret):
            raise InvalidInput("InvalidWebhookSecret", "A Standard Webhooks secret is 'whsec_' and the base64 of "
                                                       "at least 16 random bytes.")
        endpoint = {"id": str(uuid.uuid4()), "url": url, "secret": secret or formats.new_secret(),
                    "description": description, "created_at": wall_now(), "format": format}
        with self.uow() as uow:
            ops = OpsRepo(uow.conn)
            ops.cursor(CONSUMER, for_update=True)
            if not ops.endpoints(active_only=True):  # the first endpoint starts with the events from now on
                ops.move_cursor(CONSUMER, ops.latest_outbox_id())
            ops.add_endpoint(**endpoint)
        return endpoint

    def list(self) -> list[dict[str, Any]]:
        with self.uow(read_only=True) as uow:
            return OpsRepo(uow.conn).endpoints()

    def set_active(self, endpoint_id: str, active: bool) -> None:
        with self.uow() as uow:
            if not OpsRepo(uow.conn).set_endpoint_active(endpoint_id, active):
                raise NotFound("WebhookNotFound", f"No webhook endpoint with id {endpoint_id!r}.")

    def deliveries(self, *, endpoint_id: str | None = None, limit: int = 200) -> builtins.list[dict[str, Any]]:
        with self.uow(read_only=True) as uow:
            return OpsRepo(uow.conn).deliveries(endpoint_id=endpoint_id, limit=limit)

    # dispatch ----------------------------------------------------------------------------------
    def fan_out(self) -> int:
        """One delivery per active endpoint for every outbox event not yet fanned out."""
        created = 0
        with self.uow() as uow:
            ops = OpsRepo(uow.conn)
            position = ops.cursor(CONSUMER, for_update=True)
            endpoints = ops.endpoints(active_only=True)
            now = wall_now()
            for event in ops.outbox_after(position, limit=2000):
                position = event["id"]
                for endpoint in endpoints:
                    ops.add_delivery(endpoint_id=endpoint["id"], outbox_id=event["id"], event_id=event_id(event),
                                     event_type=event["type"], ordering_key=event["subscription_id"] or event["subject"],
                                     next_attempt_at=now, created_at=now)
                    created += 1
            ops.move_cursor(CONSUMER, position)
        return created

    def deliver_due(self, *, max_rounds: int = 100) -> int:
        """Attempt every delivery whose turn has come; returns how many succeeded (0 if another thread is at it)."""
        if not self._delivering.acquire(blocking=False):
            return 0
        try:
            return self._deliver_rounds(max_rounds)
        finally:
            self._delivering.release()

    def _deliver_rounds(self, max_rounds: int) -> int:
        delivered = 0
        for _ in range(max_rounds):
            claimed = self._claim()
            if not claimed:
                break
            for row, lease in claimed:
                renewed = self._renew(row, lease)
                if renewed is not None:  # else its lease ran out behind slow POSTs: another sender has it
                    delivered += self._attempt(row, renewed)
        return delivered

    def _renew(self, row: dict[str, Any], lease: datetime) -> datetime | None:
        """A batch shares one lease: each delivery gets a fresh one right before its POST, if still ours."""
        renewed = wall_now() + DELIVERY_LEASE
        with self.uow() as uow:
            held = OpsRepo(uow.conn).renew_delivery(row["id"], claim=(self.instance, lease), lease_until=renewed)
        return renewed if held else None

    def _claim(self) -> builtins.list[tuple[dict[str, Any], datetime]]:
        """The deliveries whose turn has come, held by this instance for one lease (see ``claim_deliveries``)."""
        now = wall_now()
        lease = now + DELIVERY_LEASE
        with self.uow() as uow:
            ops = OpsRepo(uow.conn)
            due = ops.deliverable(now)
            won = ops.claim_deliveries([row["id"] for row in due], instance=self.instance, now=now,
                                       lease_until=lease)
        return [(row, lease) for row in due if row["id"] in won]

    def _attempt(self, row: dict[str, Any], lease: datetime) -> int:
        fmt = row.get("format") or "subplane"
        rendered = formats.render(fmt, row)
        now = int(time.time())
        headers = {"Subplane-Event-Id": row["event_id"], "Subplane-Event-Type": row["type"],
                   "Subplane-Delivery-Attempt": str(row["attempts"] + 1), "User-Agent": "Subplane-Webhooks/1",
                   "Content-Type": rendered.content_type}
        if fmt == "subplane":
            headers[SIGNATURE_HEADER] = sign(row["secret"], now, rendered.body)
        else:  # the Standard Webhooks headers; the id stays the same on every retry
            headers.update({"webhook-id": row["event_id"], "webhook-timestamp": str(now),
                            "webhook-signature": formats.standard_signature(row["secret"], row["event_id"], now,
                                                                            rendered.body)})
        answer = post_json(row["url"], rendered.body, headers)
        attempts = row["attempts"] + 1
        give_up = answer.error is not None and attempts >= self.max_attempts
        retry_at = None
        if answer.error is not None and not give_up:
            retry_at = wall_now() + timedelta(seconds=min(self.retry_seconds * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS))
            log.warning("webhook %s to %s failed (%s); retry %d at %s", row["event_id"], row["url"], answer.error,
                        attempts, retry_at.isoformat())
        with self.uow() as uow:
            OpsRepo(uow.conn).record_attempt(row["id"], now=wall_now(), status_code=answer.status_code,
                                             error=answer.error, retry_at=retry_at, give_up=give_up,
                                             claim=(self.instance, lease))
        return 1 if answer.error is None else 0
