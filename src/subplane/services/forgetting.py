"""A purge forgets: every name, tag and free text of a deleted subscription, outside the records kept by
law or by promise (docs/data-retention.md), in the purging transaction; a batch of subscriptions at once
(the runner purges the retention expiries due at one instant together), in one set of statements.

Safe to run again. When the final invoice is still to be issued at the purge, it needs the
subscription's name and usage; the job that issues it runs this once more, and they go then.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
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
        """Scrub each deleted subscription, set-based: a few statements for the whole list, however long;
        returns the records as they are kept (the caller saves them)."""
        if not subs:
            return []
        ids = [sub.subscription_id for sub in subs]
        # never stored: no pseudonym leads back to its name; one key per subscription, as if each were purged alone
        pseudonyms = {sub.subscription_id: Pseudonyms(secrets.token_bytes(32)) for sub in subs}
        keep = {sub.subscription_id: {sub.subscription_id, sub.resource_id} for sub in subs}

        def renames(sub_id: str, values: Iterable[str]) -> dict[str, str]:
            return {v: pseudonyms[sub_id].of(v) for v in values
                    if v not in keep[sub_id] and not Pseudonyms.is_pseudonym(v)}

        targets = uow.activity.targets(ids)
        uow.activity.rename_targets({sub_id: renames(sub_id, targets.get(sub_id, [])) for sub_id in ids})
        uow.activity.clear_details(ids)
        events = uow.outbox.subjects_and_data(ids)
        subjects: dict[str, set[str]] = {}
        for sub_id, subject, _ in events.values():
            subjects.setdefault(sub_id, set()).add(subject)
        renamed = {sub_id: renames(sub_id, sorted(values)) for sub_id, values in subjects.items()}
        rewritten = {key: (renamed[sub_id].get(subject, subject), facts_only(data))
                     for key, (sub_id, subject, data) in events.items()}
        uow.outbox.rewrite({key: event for key, event in rewritten.items() if event != events[key][1:]})
        _render_messages_again(uow, ids, self.zone)
        AliasRepo(uow.conn).delete_for_subscriptions(ids)
        SubscriptionTagRepo(uow.conn).delete(ids)
        RequestLogRepo(uow.conn).forget_subscriptions(ids)
        pending = self.billing.forget(uow, ids)
        uow.after_commit(self.reclaim)
        return [kept_record(sub, invoice_pending=sub.subscription_id in pending) for sub in subs]


def _render_messages_again(uow: UnitOfWork, subscription_ids: list[str], zone: tzinfo) -> None:
    """Stored messages keep their kind, recipient and dates; their words are rendered again from the
    event's facts, with the deleted subscription's pseudonym for its name."""
    ops = OpsRepo(uow.conn)
    recipients = ops.recipients(subscription_ids)
    texts = {}
    for stored in ops.notifications_with_events(subscription_ids):
        sub_id = stored["subscription_id"]
        recipient = {**recipients.get(sub_id, {}), "display_name": deleted_display_name(sub_id)}
        message = render(stored["kind"], stored["language"], event_data=facts_only(stored["data"] or {}),
                         recipient=recipient, subscription_id=sub_id, zone=zone)
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
