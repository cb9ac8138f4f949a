"""The activity log and the outbox: records written inside the unit of work, appended to only, except
that a purge rewrites a deleted subscription's (docs/data-retention.md)."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update

from ...domain.events import DomainEvent
from .bulk import update_each
from .tables import activity, outbox


class ActivityRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(
        self,
        *,
        instant: datetime,
        actor: str,
        action: str,
        outcome: str,
        subscription_id: str | None = None,
        target: str | None = None,
        code: str | None = None,
        message: str | None = None,
        correlation_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.record_many([dict(
            instant=instant, actor=actor, action=action, outcome=outcome, subscription_id=subscription_id,
            target=target, code=code, message=message, correlation_id=correlation_id, details=details or {},
        )])

    def record_many(self, records: builtins.list[dict[str, Any]]) -> None:
        """Records with the keyword arguments of ``record`` (every one of them), in one executemany."""
        if records:
            self.conn.execute(insert(activity), records)

    def list(self, *, subscription_id: str | None = None, limit: int = 200) -> list[dict]:
        query = select(activity).order_by(activity.c.id.desc()).limit(limit)
        if subscription_id is not None:
            query = query.where(activity.c.subscription_id == subscription_id)
        return [dict(r._mapping) for r in self.conn.execute(query).all()]

    def window(self, *, subscription_id: str, since: datetime, until: datetime, before_id: int | None = None,
               correlation_id: str | None = None, scope: str | None = None, actor: str | None = None,
               outcomes: tuple[str, ...] | None = None, exclude_actions: tuple[str, ...] = (),
               limit: int = 200) -> builtins.list[dict]:  # ``list`` is a method of this class
        """A subscription's records in ``[since, until]``, newest first, below ``before_id`` (keyset paging).
        ``scope``: a resource id; its records and those of what lies below it, compared case-insensitively
        as ARM compares ids."""
        query = (select(activity)
                 .where(activity.c.subscription_id == subscription_id, activity.c.instant >= since,
                        activity.c.instant <= until)
                 .order_by(activity.c.id.desc()).limit(limit))
        if before_id is not None:
            query = query.where(activity.c.id < before_id)
        if correlation_id is not None:
            query = query.where(activity.c.correlation_id == correlation_id)
        if scope is not None:
            target, scope = func.lower(activity.c.target), scope.lower().rstrip("/")
            query = query.where(or_(target == scope, target.startswith(scope + "/", autoescape=True)))
        if exclude_actions:
            query = query.where(activity.c.action.not_in(exclude_actions))
        if actor is not None:
            query = query.where(func.lower(activity.c.actor) == actor.lower())
        if outcomes is not None:
            query = query.where(activity.c.outcome.in_(outcomes))
        return [dict(r._mapping) for r in self.conn.execute(query).all()]

    def last_success(self, subscription_id: str, action: str) -> dict | None:
        row = self.conn.execute(
            select(activity)
            .where(activity.c.subscription_id == subscription_id, activity.c.action == action,
                   activity.c.outcome == "Succeeded")
            .order_by(activity.c.id.desc())
            .limit(1)
        ).first()
        return dict(row._mapping) if row else None

    def count(self, *, subscription_id: str, action: str | None = None, outcome: str | None = None) -> int:
        query = select(func.count()).select_from(activity).where(activity.c.subscription_id == subscription_id)
        if action:
            query = query.where(activity.c.action == action)
        if outcome:
            query = query.where(activity.c.outcome == outcome)
        return self.conn.execute(query).scalar_one()

    # purge (docs/data-retention.md) -------------------------------------------------------------
    def targets(self, subscription_ids: builtins.list[str]) -> dict[str, builtins.list[str]]:
        """The distinct targets of each subscription's rows."""
        rows = self.conn.execute(select(activity.c.subscription_id, activity.c.target).distinct().where(
            activity.c.subscription_id.in_(list(subscription_ids)), activity.c.target.is_not(None))
            .order_by(activity.c.subscription_id, activity.c.target))
        found: dict[str, builtins.list[str]] = {}
        for subscription_id, target in rows:
            found.setdefault(subscription_id, []).append(target)
        return found

    def rename_targets(self, renames: dict[str, dict[str, str]]) -> None:
        """Per subscription, each old target becomes its new one in that subscription's rows: one executemany."""
        changes = [{"sub": s, "old": o, "new": n} for s, pairs in renames.items() for o, n in pairs.items()]
        if changes:
            self.conn.execute(update(activity).where(activity.c.subscription_id == bindparam("sub"),
                                                     activity.c.target == bindparam("old"))
                              .values(target=bindparam("new")), changes)

    def clear_details(self, subscription_ids: builtins.list[str]) -> None:
        """Keep when, who, what action, outcome and code; drop the details and messages (they quote names)."""
        self.conn.execute(update(activity).where(activity.c.subscription_id.in_(list(subscription_ids)))
                          .values(details={}, message=None))


class OutboxRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, event: DomainEvent) -> None:
        self.add_many([event])

    def add_many(self, events: list[DomainEvent]) -> None:
        """One statement for many events (month-end issues thousands of invoices at once)."""
        if events:
            self.conn.execute(insert(outbox), [
                dict(instant=e.time, type=e.type, subject=e.subject, subscription_id=e.subscription_id, data=e.data)
                for e in events
            ])

    def list(self, *, subscription_id: str | None = None, limit: int = 500) -> list[dict]:
        query = select(outbox).order_by(outbox.c.id).limit(limit)
        if subscription_id is not None:
            query = query.where(outbox.c.subscription_id == subscription_id)
        return [dict(r._mapping) for r in self.conn.execute(query).all()]

    # purge (docs/data-retention.md) -------------------------------------------------------------
    def subjects_and_data(self, subscription_ids: builtins.list[str]) -> dict[int, tuple[str, str, dict]]:
        """(subscription id, subject, data) per outbox id of these subscriptions' events."""
        rows = self.conn.execute(select(outbox.c.id, outbox.c.subscription_id, outbox.c.subject, outbox.c.data)
                                 .where(outbox.c.subscription_id.in_(list(subscription_ids))).order_by(outbox.c.id))
        return {row.id: (row.subscription_id, row.subject, row.data or {}) for row in rows}

    def rewrite(self, events: dict[int, tuple[str, dict]]) -> None:
        """New (subject, data) per outbox id."""
        update_each(self.conn, outbox.c.id, {key: {"subject": subject, "data": data}
                                             for key, (subject, data) in events.items()})
