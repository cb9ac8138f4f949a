"""Subscriptions: rows <-> ``domain.lifecycle.Subscription``."""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Connection, and_, bindparam, exists, func, insert, literal, or_, select, tuple_, update

from ...domain.access import SubscriptionReach
from ...domain.errors import Conflict, NotFound
from ...domain.lifecycle import Reason, State, Subscription
from .bulk import update_each
from .management_tables import subscription_placements
from .tables import role_assignments
from .tables import subscriptions as t

# Built once: the point read is the hottest statement, and building it costs more than SQLAlchemy's cached
# compile (issue 14)
_BY_ID = select(t).where(t.c.subscription_id == bindparam("subscription_id"))

_FIELDS = (
    "subscription_id", "display_name", "tenant_id", "billing_account_id", "offer_id", "state", "state_reason",
    "created_at", "state_changed_at", "cancelled_at", "deletion_date", "cancellation_reason", "cancelled_by",
)


def _from_row(row) -> Subscription:
    data = dict(row._mapping)
    data["state"] = State(data["state"])
    data["state_reason"] = Reason(data["state_reason"]) if data["state_reason"] else None
    return Subscription(**data)


def _to_row(sub: Subscription) -> dict:
    row = {name: getattr(sub, name) for name in _FIELDS}
    row["state"] = sub.state.value
    row["state_reason"] = sub.state_reason.value if sub.state_reason else None
    return row


class SubscriptionRepo:
    def __init__(self, conn: Connection, *, postgres: bool) -> None:
        self.conn = conn
        self.postgres = postgres

    def get(self, subscription_id: str, *, for_update: bool = False) -> Subscription:
        query = _BY_ID.with_for_update() if for_update and self.postgres else _BY_ID
        row = self.conn.execute(query, {"subscription_id": subscription_id.lower()}).first()
        if row is None:
            raise NotFound(
                "SubscriptionNotFound",
                f"The subscription '{subscription_id}' could not be found.",
                subscription_id=subscription_id,
            )
        return _from_row(row)

    def get_many(self, subscription_ids: builtins.list[str], *, for_update: bool = False) -> list[Subscription]:
        """``get`` of each id, in the order given (locked in id order, so two batches never deadlock);
        NotFound if one is missing."""
        wanted = [i.lower() for i in subscription_ids]
        query = select(t).where(t.c.subscription_id.in_(wanted)).order_by(t.c.subscription_id)
        if for_update and self.postgres:
            query = query.with_for_update()
        found = {row.subscription_id: _from_row(row) for row in self.conn.execute(query)}
        missing = [i for i in wanted if i not in found]
        if missing:
            raise NotFound("SubscriptionNotFound", f"The subscription '{missing[0]}' could not be found.",
                           subscription_id=missing[0])
        return [found[i] for i in wanted]

    def find_by_name(self, name: str) -> list[Subscription]:
        rows = self.conn.execute(select(t).where(t.c.display_name == name).order_by(t.c.created_at)).all()
        return [_from_row(r) for r in rows]

    def display_names(self, ids: list[str]) -> dict[str, str]:
        rows = self.conn.execute(select(t.c.subscription_id, t.c.display_name).where(t.c.subscription_id.in_(ids)))
        return dict(rows.all())

    def list(
        self, *, ids: list[str] | None = None, states: list[State] | None = None,
        billing_account_id: str | None = None, tenant_id: str | None = None,
    ) -> list[Subscription]:
        query = select(t).order_by(t.c.display_name, t.c.subscription_id)
        if tenant_id is not None:
            query = query.where(t.c.tenant_id == tenant_id)
        if billing_account_id is not None:
            query = query.where(t.c.billing_account_id == billing_account_id)
        if ids is not None:
            query = query.where(t.c.subscription_id.in_([i.lower() for i in ids]))
        if states:
            query = query.where(t.c.state.in_([s.value for s in states]))
        return [_from_row(r) for r in self.conn.execute(query).all()]

    def page(self, reach: SubscriptionReach, *, after: tuple[str, str] | None = None, offset: int = 0,
             limit: int | None = None) -> builtins.list[Subscription]:
        """The subscriptions ``reach`` covers, by display name then id, from just after ``after`` (a
        (display name, id) cursor) or skipping ``offset``; at most ``limit``. A page reads the
        ``ix_subscriptions_display_name_id`` index from the cursor and probes each row's access with
        indexed EXISTS lookups, so its cost follows the page size, not how many subscriptions there are."""
        query = select(t).order_by(t.c.display_name, t.c.subscription_id)
        reached = _reached(reach)
        if reached is not None:
            query = query.where(reached)
        if after is not None:
            query = query.where(tuple_(t.c.display_name, t.c.subscription_id) > tuple_(literal(after[0]), literal(after[1])))
        if offset:
            query = query.offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [_from_row(r) for r in self.conn.execute(query).all()]

    def reached_ids(self, reach: SubscriptionReach) -> set[str]:
        """The ids of every subscription ``reach`` covers."""
        query = select(t.c.subscription_id)
        reached = _reached(reach)
        if reached is not None:
            query = query.where(reached)
        return set(self.conn.execute(query).scalars())

    def add(self, sub: Subscription) -> None:
        exists = self.conn.execute(
            select(func.count()).select_from(t).where(t.c.subscription_id == sub.subscription_id.lower())
        ).scalar_one()
        if exists:
            raise Conflict(
                "SubscriptionIdInUse",
                f"Subscription id {sub.subscription_id} was used before and is never reused.",
            )
        self.conn.execute(insert(t).values(**_to_row(sub)))

    def save(self, sub: Subscription) -> None:
        row = _to_row(sub)
        self.conn.execute(update(t).where(t.c.subscription_id == sub.subscription_id).values(**row))

    def save_many(self, subs: Iterable[Subscription]) -> None:
        """``save`` of each, in one executemany."""
        update_each(self.conn, t.c.subscription_id, {sub.subscription_id: _to_row(sub) for sub in subs})

    def set_offer(self, subscription_id: str, offer_id: str) -> None:
        """Offer switch / upgrade (billing): the state machine decided, this records the new offer."""
        self.conn.execute(update(t).where(t.c.subscription_id == subscription_id).values(offer_id=offer_id))

    def count_by_state(self) -> dict[str, int]:
        rows = self.conn.execute(select(t.c.state, func.count()).group_by(t.c.state)).all()
        return {state: count for state, count in rows}


def _reached(reach: SubscriptionReach) -> ColumnElement[bool] | None:
    """``SubscriptionReach.reaches`` as SQL over the subscriptions table; None when it covers every row."""
    if reach.everything:
        return None
    ra, placed = role_assignments, subscription_placements
    assigned = exists().where(ra.c.principal_id == reach.principal_id, ra.c.subscription_id == t.c.subscription_id)
    conditions: list[ColumnElement[bool]] = [assigned]
    if reach.billing_accounts:
        conditions.append(t.c.billing_account_id.in_(sorted(reach.billing_accounts)))
    through: list[ColumnElement[bool]] = []
    if reach.tenant is not None:
        through.append(t.c.tenant_id == reach.tenant)
    if reach.groups:
        through.append(exists().where(placed.c.subscription_id == t.c.subscription_id,
                                      placed.c.group_key.in_(sorted(reach.groups))))
    if through:
        conditions.append(and_(t.c.state != State.DELETED.value, or_(*through)))
    return or_(*conditions)
