"""Notifications: outbox events → rendered messages (stored) → SMTP when configured.

Rendering reads the outbox after commit through its own cursor, so a message exists exactly once per
event. Sending happens outside any transaction; each message's outcome is recorded afterwards.
"""

from __future__ import annotations

import logging

from ..adapters.db.ops_repo import FAILED, PENDING, SENT, STORED, OpsRepo
from ..adapters.notify import SmtpMailer
from .notification_texts import message_kind, render

log = logging.getLogger("subplane.notifications")
CONSUMER = "notifications"
MAX_SEND_ATTEMPTS = 5


class NotificationService:
    def __init__(self, app) -> None:
        self.app = app
        self.mailer = SmtpMailer.from_settings(app.settings)

    def render_new(self) -> int:
        """Render a message for every new outbox event that asks for one; returns how many."""
        created = 0
        with self.app.uow() as uow:
            ops = OpsRepo(uow.conn)
            position = ops.cursor(CONSUMER, for_update=True)
            for event in ops.outbox_after(position):
                position = event["id"]
                kind = message_kind(event["type"], event["data"] or {})
                recipient = ops.recipient(event["subscription_id"]) if event["subscription_id"] else None
                if kind is None or recipient is None:
                    continue
                message = render(kind, recipient["language"], event_data=event["data"] or {}, recipient=recipient,
                                 subscription_id=event["subscription_id"], zone=self.app.settings.zone)
                ops.add_notification(outbox_id=event["id"], kind=kind, subscription_id=event["subscription_id"],
                                     language=recipient["language"], recipient=recipient["user_principal_name"],
                                     subject=message.subject, body=message.body, created_at=event["instant"],
                                     status=PENDING if self.mailer else STORED)
                created += 1
            ops.move_cursor(CONSUMER, position)
        return created

    def send_pending(self) -> int:
        """Send every pending message by SMTP; returns how many were sent."""
        if self.mailer is None:
            return 0
        with self.app.uow(read_only=True) as uow:
            pending = OpsRepo(uow.conn).notifications(status=PENDING)
        sent = 0
        for message in pending:
            error = None
            try:
                self.mailer.send(to=message["recipient"], subject=message["subject"], body=message["body"],
                                 language=message["language"],
                                 headers={"X-Subplane-Notification": str(message["id"]),
                                          "X-Subplane-Kind": message["kind"]})
                sent += 1
            except (OSError, ValueError) as failure:  # smtplib errors are OSErrors
                error = f"{type(failure).__name__}: {failure}"
                log.warning("notification %s not sent: %s", message["id"], error)
            with self.app.uow() as uow:
                status = SENT if error is None else (FAILED if message["attempts"] + 1 >= MAX_SEND_ATTEMPTS else PENDING)
                OpsRepo(uow.conn).mark_notification(message["id"], status=status, now=uow.now, error=error)
        return sent

    def list(self, *, subscription_id: str | None = None, limit: int = 500, newest_first: bool = False) -> list[dict]:
        with self.app.uow(read_only=True) as uow:
            return OpsRepo(uow.conn).notifications(subscription_id=subscription_id, limit=limit,
                                                   newest_first=newest_first)
