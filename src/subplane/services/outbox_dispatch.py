"""Drives the outbox consumers after commit: render notifications, fan out and deliver webhooks.

Called by the serve loop (after the due jobs) and by the clock endpoint after an advance; never from
inside a business transaction. Each consumer is idempotent, so running it twice is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .notifications import NotificationService
from .webhooks import WebhookService

log = logging.getLogger("subplane.outbox")


@dataclass(frozen=True)
class DispatchResult:
    notifications_rendered: int
    notifications_sent: int
    webhook_deliveries_created: int
    webhooks_delivered: int


class OutboxDispatcher:
    def __init__(self, notifications: NotificationService, webhooks: WebhookService) -> None:
        self.notifications = notifications
        self.webhooks = webhooks

    def run_once(self) -> DispatchResult:
        rendered = self.notifications.render_new()
        created = self.webhooks.fan_out()
        sent = self.notifications.send_pending()
        delivered = self.webhooks.deliver_due()
        result = DispatchResult(rendered, sent, created, delivered)
        if any((rendered, sent, created, delivered)):
            log.info("outbox dispatched", extra={"dispatch": result.__dict__})
        return result
