"""Notifications: outbox events → rendered messages (stored) → SMTP when configured.

Rendering reads the outbox after commit through its own cursor, so a message exists exactly once per
event. Sending happens outside any transaction; each message's outcome is recorded afterwards.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from ..adapters.db.ops_repo import FAILED, PENDING, SENT, STORED, OpsRepo
from ..adapters.notify import SmtpMailer
from ..settings import Settings
from .notification_texts import message_kind, render
from .unit_of_work import UowFactory

log = logging.getLogger("subplane.notifications")
CONSUMER = "notifications"
MAX_SEND_ATTEMPTS = 5
# how long a claimed message is this sender's (wall clock): well past one SMTP exchange's timeouts
SEND_LEASE = timedelta(minutes=2)
RETRY_DELAY = timedelta(seconds=30)  # after a failed send, doubling per attempt


def wall_now() -> datetime:
    return datetime.now(UTC)


MAX_RECIPIENTS_TEXT = 320  # the stored recipient column: the administrator first, then contacts while they fit


def addressees(admin: str, data: dict[str, Any]) -> str:
    """The administrator, plus the contact e-mails an event names (a budget's notification), in one To line."""
    names = [admin]
    for email in data.get("contactEmails") or []:
        if email.lower() not in {n.lower() for n in names} and len(", ".join([*names, email])) <= MAX_RECIPIENTS_TEXT:
            names.append(email)
    return ", ".join(names)


class NotificationService:
    def __init__(self, uow: UowFactory, settings: Settings, instance: str) -> None:
        self.uow = uow
        self.settings = settings
        self.instance = instance
        self.mailer = SmtpMailer.from_settings(settings)

    def render_new(self) -> int:
        """Render a message for every new outbox event that asks for one; returns how many."""
        created = 0
        with self.uow() as uow:
            ops = OpsRepo(uow.conn)
            position = ops.cursor(CONSUMER, for_update=True)
            for event in ops.outbox_after(position):
                position = event["id"]
                kind = message_kind(event["type"], event["data"] or {})
                recipient = ops.recipient(event["subscription_id"]) if event["subscription_id"] else None
                if kind is None or recipient is None:
                    continue
                message = render(kind, recipient["language"], event_data=event["data"] or {}, recipient=recipient,
                                 subscription_id=event["subscription_id"], zone=self.settings.zone)
                ops.add_notification(outbox_id=event["id"], kind=kind, subscription_id=event["subscription_id"],
                                     language=recipient["language"],
                                     recipient=addressees(recipient["user_principal_name"], event["data"] or {}),
                                     subject=message.subject, body=message.body, created_at=event["instant"],
                                     status=PENDING if self.mailer else STORED)
                created += 1
            ops.move_cursor(CONSUMER, position)
        return created

    def send_pending(self) -> int:
        """Send every pending message by SMTP, each claimed first (lease in the database), so several
        threads and processes send each message once; returns how many this caller sent."""
        if self.mailer is None:
            return 0
        sent = 0
        while batch := self._claim():
            sent += self._send(batch)
        return sent

    def _claim(self) -> list[dict[str, Any]]:
        now = wall_now()
        with self.uow() as uow:
            return OpsRepo(uow.conn).claim_notifications(instance=self.instance, now=now,
                                                         lease_until=now + SEND_LEASE)

    def _send(self, batch: list[dict[str, Any]]) -> int:
        mailer = self.mailer
        if mailer is None:  # nothing is pending without SMTP (render_new stores the messages)
            return 0
        sent = 0
        for message in batch:
            lease = self._renew(message)
            if lease is None:
                continue  # held so long (slow sends before it) that its lease ran out: another sender has it
            error = None
            try:
                mailer.send(to=message["recipient"], subject=message["subject"], body=message["body"],
                                 language=message["language"],
                                 headers={"X-Subplane-Notification": str(message["id"]),
                                          "X-Subplane-Kind": message["kind"]})
                sent += 1
            except (OSError, ValueError) as failure:  # smtplib errors are OSErrors
                error = f"{type(failure).__name__}: {failure}"
                log.warning("notification %s not sent: %s", message["id"], error)
            status = SENT if error is None else (FAILED if message["attempts"] + 1 >= MAX_SEND_ATTEMPTS else PENDING)
            retry_at = wall_now() + RETRY_DELAY * 2 ** message["attempts"] if status == PENDING else None
            with self.uow() as uow:
                OpsRepo(uow.conn).mark_notification(message["id"], status=status, now=uow.now, error=error,
                                                    claim=(self.instance, lease), retry_at=retry_at)
        return sent

    def _renew(self, message: dict[str, Any]) -> datetime | None:
        """A batch shares one lease: each message gets a fresh one right before it is sent, if still ours."""
        lease = wall_now() + SEND_LEASE
        with self.uow() as uow:
            renewed = OpsRepo(uow.conn).renew_notification(
                message["id"], claim=(message["claimed_by"], message["lease_until"]), lease_until=lease)
        return lease if renewed else None

    def list(self, *, subscription_id: str | None = None, limit: int = 500, newest_first: bool = False) -> list[dict[str, Any]]:
        with self.uow(read_only=True) as uow:
            return OpsRepo(uow.conn).notifications(subscription_id=subscription_id, limit=limit,
                                                   newest_first=newest_first)
