"""A purge forgets: every name, tag and free text of a deleted subscription, outside the records kept by
law or by promise (docs/data-retention.md), in the purging transaction.

Safe to run again. When the final invoice is still to be issued at the purge, it needs the
subscription's name and usage; the job that issues it runs this once more, and they go then.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import tzinfo
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from ..adapters.db.arm_repo import AliasRepo, SubscriptionTagRepo
from ..adapters.db.coordination_repo import RequestLogRepo
from ..adapters.db.engine import reclaim_freed_pages
from ..adapters.db.ops_repo import OpsRepo
from ..domain.forgetting import Pseudonyms, deleted_display_name, facts_only, kept_record
from ..domain.lifecycle import Subscription
from .notification_texts import render
from .unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from .hooks import MeteringHooks


class Forgetting:
    """Scrubs deleted subscriptions in the purging transaction; ``billing`` forgets its own records of them and
    ``reclaim`` gives the freed database pages back after the commit."""

    def __init__(self, zone: tzinfo, billing: MeteringHooks, reclaim: Callable[[], None]) -> None:
        self.zone = zone
        self.billing = billing
        self.reclaim = reclaim

    def forget(self, uow: UnitOfWork, subs: list[Subscription]) -> list[Subscription]:
        """Scrub each deleted subscription; returns the records as they are kept (the caller saves them)."""
        kept = [self._forget_one(uow, sub) for sub in subs]
        if kept:
            uow.after_commit(self.reclaim)
        return kept

    def _forget_one(self, uow: UnitOfWork, sub: Subscription) -> Subscription:
        sub_id = sub.subscription_id
        pseudonyms = Pseudonyms(secrets.token_bytes(32))  # never stored: no pseudonym leads back to its name
        keep = {sub_id, sub.resource_id}

        def renames(values: list[str]) -> dict[str, str]:
            return {v: pseudonyms.of(v) for v in values if v not in keep and not Pseudonyms.is_pseudonym(v)}

        uow.activity.rename_targets(sub_id, renames(uow.activity.targets(sub_id)))
        uow.activity.clear_details(sub_id)
        events = uow.outbox.subjects_and_data(sub_id)
        subjects = renames(sorted({subject for subject, _ in events.values()}))
        rewritten = {key: (subjects.get(subject, subject), facts_only(data)) for key, (subject, data) in events.items()}
        uow.outbox.rewrite({key: event for key, event in rewritten.items() if event != events[key]})
        _render_messages_again(uow, sub_id, self.zone)
        AliasRepo(uow.conn).delete_for_subscription(sub_id)
        SubscriptionTagRepo(uow.conn).delete(sub_id)
        RequestLogRepo(uow.conn).forget_subscription(sub_id)
        pending = self.billing.forget(uow, sub_id)
        return kept_record(sub, invoice_pending=pending)


def _render_messages_again(uow: UnitOfWork, subscription_id: str, zone: tzinfo) -> None:
    """Stored messages keep their kind, recipient and dates; their words are rendered again from the
    event's facts, with the deleted subscription's pseudonym for its name."""
    ops = OpsRepo(uow.conn)
    recipient = {**(ops.recipient(subscription_id) or {}), "display_name": deleted_display_name(subscription_id)}
    texts = {}
    for stored in ops.notifications_with_events(subscription_id):
        message = render(stored["kind"], stored["language"], event_data=facts_only(stored["data"] or {}),
                         recipient=recipient, subscription_id=subscription_id, zone=zone)
        texts[stored["id"]] = (message.subject, message.body)
    ops.rewrite_notifications(texts)


class FreedPages:
    """Reclaims the pages purges freed (``reclaim_freed_pages``) after their commit: at once, or, inside
    ``batched`` (the runner's run of due jobs, which may purge thousands), once when the batch ends."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._batches = 0
        self._wanted = False

    def reclaim(self) -> None:
        with self._lock:
            if self._batches:
                self._wanted = True
                return
        reclaim_freed_pages(self.engine)

    @contextmanager
    def batched(self) -> Iterator[None]:
        with self._lock:
            self._batches += 1
        try:
            yield
        finally:
            with self._lock:
                self._batches -= 1
                due = self._wanted and self._batches == 0
                if due:
                    self._wanted = False
            if due:
                reclaim_freed_pages(self.engine)
