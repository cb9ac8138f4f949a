"""Storage for the outbox consumers: cursors, rendered notifications, webhook endpoints and deliveries."""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from .bulk import dialect_insert, update_each
from .ops_tables import (
    emulator_faults,
    failed_operations,
    installation_secrets,
    notifications,
    outbox_cursors,
    signing_keys,
    webhook_deliveries,
    webhook_endpoints,
)
from .tables import billing_accounts, outbox, subscriptions, users

PENDING, DELIVERED, FAILED, SENT, STORED = "pending", "delivered", "failed", "sent", "stored"


class OpsRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.engine.dialect.name == "postgresql"

    # outbox cursors ----------------------------------------------------------------------------
    def cursor(self, consumer: str, *, for_update: bool = False) -> int:
        query = select(outbox_cursors.c.position).where(outbox_cursors.c.consumer == consumer)
        if for_update and self.postgres:
            query = query.with_for_update()
        position = self.conn.execute(query).scalar_one_or_none()
        if position is None:
            self.conn.execute(insert(outbox_cursors).values(consumer=consumer, position=0))
            return 0
        return position

    def move_cursor(self, consumer: str, position: int) -> None:
        self.conn.execute(update(outbox_cursors).where(outbox_cursors.c.consumer == consumer).values(position=position))

    def outbox_after(self, position: int, *, limit: int = 500) -> list[dict]:
        query = select(outbox).where(outbox.c.id > position).order_by(outbox.c.id).limit(limit)
        return [dict(r._mapping) for r in self.conn.execute(query).all()]

    def latest_outbox_id(self) -> int:
        return self.conn.execute(select(func.coalesce(func.max(outbox.c.id), 0))).scalar_one()

    def outbox_backlog(self, consumer: str) -> int:
        position = self.conn.execute(
            select(outbox_cursors.c.position).where(outbox_cursors.c.consumer == consumer)
        ).scalar_one_or_none() or 0
        return self.conn.execute(select(func.count()).select_from(outbox).where(outbox.c.id > position)).scalar_one()

    def outbox_list(self, *, subscription_id: str | None = None, after: int = 0, limit: int = 500) -> list[dict]:
        query = select(outbox).where(outbox.c.id > after).order_by(outbox.c.id).limit(limit)
        if subscription_id:
            query = query.where(outbox.c.subscription_id == subscription_id)
        return [dict(r._mapping) for r in self.conn.execute(query).all()]

    def recipient(self, subscription_id: str) -> dict | None:
        """Who is told about a subscription: its account administrator, in the account's language."""
        return self.recipients([subscription_id]).get(subscription_id)

    def recipients(self, subscription_ids: builtins.list[str]) -> dict[str, dict]:
        """``recipient`` of each of these subscriptions that has one."""
        rows = self.conn.execute(
            select(subscriptions.c.subscription_id, subscriptions.c.display_name,
                   billing_accounts.c.name.label("account"), billing_accounts.c.language,
                   users.c.user_principal_name, users.c.display_name.label("admin"))
            .join(billing_accounts, billing_accounts.c.billing_account_id == subscriptions.c.billing_account_id)
            .join(users, users.c.user_id == billing_accounts.c.admin_user_id)
            .where(subscriptions.c.subscription_id.in_(list(subscription_ids)))
        ).all()
        return {row.subscription_id: {k: v for k, v in row._mapping.items() if k != "subscription_id"} for row in rows}

    # notifications -----------------------------------------------------------------------------
    def add_notification(self, **values) -> None:
        insert_ = dialect_insert(self.conn)
        self.conn.execute(insert_(notifications).values(attempts=0, **values)
                          .on_conflict_do_nothing(index_elements=[notifications.c.outbox_id]))

    def notifications(self, *, subscription_id: str | None = None, status: str | None = None,
                      limit: int = 500, newest_first: bool = False) -> list[dict]:
        order = notifications.c.id.desc() if newest_first else notifications.c.id
        query = select(notifications).order_by(order).limit(limit)
        if subscription_id:
            query = query.where(notifications.c.subscription_id == subscription_id)
        if status:
            query = query.where(notifications.c.status == status)
        return [dict(r._mapping) for r in self.conn.execute(query).all()]

    def claim_notifications(self, *, instance: str, now: datetime, lease_until: datetime,
                            limit: int = 50) -> list[dict]:
        """Pending messages nobody holds, now held by ``instance`` until ``lease_until``. The conditions are
        repeated on the UPDATE itself, so of two concurrent claimers only one gets a row."""
        free = and_(notifications.c.status == PENDING,
                    (notifications.c.lease_until.is_(None)) | (notifications.c.lease_until <= now))
        candidates = select(notifications.c.id).where(free).order_by(notifications.c.id).limit(limit)
        if self.conn.dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        claimed = self.conn.execute(
            update(notifications).where(notifications.c.id.in_(candidates.scalar_subquery()), free)
            .values(lease_until=lease_until, claimed_by=instance).returning(*notifications.c)).all()
        return sorted((dict(r._mapping) for r in claimed), key=lambda row: row["id"])

    def renew_notification(self, notification_id: int, *, claim: tuple[str, datetime], lease_until: datetime) -> bool:
        """Extend a held claim just before sending; False when it ran out and another sender took it."""
        held = and_(notifications.c.id == notification_id, notifications.c.status == PENDING,
                    notifications.c.claimed_by == claim[0], notifications.c.lease_until == claim[1])
        return self.conn.execute(update(notifications).where(held).values(lease_until=lease_until)).rowcount == 1

    def mark_notification(self, notification_id: int, *, status: str, now: datetime, error: str | None = None,
                          claim: tuple[str, datetime] | None = None, retry_at: datetime | None = None) -> bool:
        """Record a send's outcome; with ``claim`` (instance, lease end), only while that claim still holds:
        a sender whose lease ran out and was claimed again records nothing. A message left pending is
        nobody's to send again before ``retry_at``."""
        values = {"status": status, "attempts": notifications.c.attempts + 1, "last_error": error,
                  "lease_until": retry_at}
        if status == SENT:
            values["sent_at"] = now
        query = update(notifications).where(notifications.c.id == notification_id)
        if claim is not None:
            query = query.where(notifications.c.status == PENDING, notifications.c.claimed_by == claim[0],
                                notifications.c.lease_until == claim[1])
        return self.conn.execute(query.values(**values)).rowcount == 1

    def notifications_with_events(self, subscription_ids: builtins.list[str]) -> list[dict]:
        """The subscriptions' messages with the outbox event each was rendered from (a purge renders them again)."""
        query = (select(notifications.c.id, notifications.c.subscription_id, notifications.c.kind,
                        notifications.c.language, outbox.c.data)
                 .outerjoin(outbox, outbox.c.id == notifications.c.outbox_id)
                 .where(notifications.c.subscription_id.in_(list(subscription_ids))).order_by(notifications.c.id))
        return [dict(r._mapping) for r in self.conn.execute(query).all()]

    def rewrite_notifications(self, texts: dict[int, tuple[str, str]]) -> None:
        update_each(self.conn, notifications.c.id, {key: {"subject": subject, "body": body}
                                                    for key, (subject, body) in texts.items()})

    # webhooks ----------------------------------------------------------------------------------
    def add_endpoint(self, **values) -> None:
        self.conn.execute(insert(webhook_endpoints).values(active=1, **values))

    def endpoints(self, *, active_only: bool = False) -> list[dict]:
        query = select(webhook_endpoints).order_by(webhook_endpoints.c.created_at, webhook_endpoints.c.id)
        if active_only:
            query = query.where(webhook_endpoints.c.active == 1)
        return [dict(r._mapping) for r in self.conn.execute(query).all()]

    def set_endpoint_active(self, endpoint_id: str, active: bool) -> int:
        return self.conn.execute(update(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)
                                 .values(active=1 if active else 0)).rowcount

    def add_delivery(self, **values) -> None:
        insert_ = dialect_insert(self.conn)
        statement = insert_(webhook_deliveries).values(status=PENDING, attempts=0, failures=0, **values)
        self.conn.execute(statement.on_conflict_do_nothing(
            index_elements=[webhook_deliveries.c.endpoint_id, webhook_deliveries.c.outbox_id]))

    def deliverable(self, now: datetime, *, limit: int = 100) -> list[dict]:
        """Per endpoint and ordering key only the oldest pending delivery, and only once its retry time came."""
        first = (
            select(webhook_deliveries.c.endpoint_id, webhook_deliveries.c.ordering_key,
                   func.min(webhook_deliveries.c.outbox_id).label("outbox_id"))
            .where(webhook_deliveries.c.status == PENDING)
            .group_by(webhook_deliveries.c.endpoint_id, webhook_deliveries.c.ordering_key)
            .subquery()
        )
        query = (
            select(webhook_deliveries, outbox.c.instant, outbox.c.type, outbox.c.subject, outbox.c.data,
                   outbox.c.subscription_id, webhook_endpoints.c.url, webhook_endpoints.c.secret,
                   webhook_endpoints.c.format)
            .join(first, and_(first.c.endpoint_id == webhook_deliveries.c.endpoint_id,
                              first.c.ordering_key == webhook_deliveries.c.ordering_key,
                              first.c.outbox_id == webhook_deliveries.c.outbox_id))
            .join(outbox, outbox.c.id == webhook_deliveries.c.outbox_id)
            .join(webhook_endpoints, webhook_endpoints.c.id == webhook_deliveries.c.endpoint_id)
            .where(webhook_deliveries.c.next_attempt_at <= now)
            .order_by(webhook_deliveries.c.outbox_id)
            .limit(limit)
        )
        return [dict(r._mapping) for r in self.conn.execute(query).all()]

    def claim_deliveries(self, ids: list[int], *, instance: str, now: datetime, lease_until: datetime) -> set[int]:
        """Hold deliverable rows by moving their next attempt to the lease's end: nobody else finds them due,
        and the next delivery of the same endpoint and subscription waits behind them, so order holds."""
        if not ids:
            return set()
        claimed = self.conn.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id.in_(ids), webhook_deliveries.c.status == PENDING,
                   webhook_deliveries.c.next_attempt_at <= now)
            .values(next_attempt_at=lease_until, claimed_by=instance).returning(webhook_deliveries.c.id)).scalars()
        return set(claimed)

    def renew_delivery(self, delivery_id: int, *, claim: tuple[str, datetime], lease_until: datetime) -> bool:
        """Extend a held claim just before the POST; False when it ran out and another sender took it."""
        held = and_(webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.status == PENDING,
                    webhook_deliveries.c.claimed_by == claim[0], webhook_deliveries.c.next_attempt_at == claim[1])
        return self.conn.execute(update(webhook_deliveries).where(held)
                                 .values(next_attempt_at=lease_until)).rowcount == 1

    def record_attempt(self, delivery_id: int, *, now: datetime, status_code: int | None, error: str | None,
                       retry_at: datetime | None, give_up: bool, claim: tuple[str, datetime]) -> bool:
        """The attempt's outcome, only while ``claim`` (instance, lease end) still holds the delivery."""
        values: dict = {"attempts": webhook_deliveries.c.attempts + 1, "last_status_code": status_code,
                        "last_error": error}
        if error is None:
            values.update(status=DELIVERED, delivered_at=now)
        else:
            values.update(failures=webhook_deliveries.c.failures + 1, status=FAILED if give_up else PENDING)
            if retry_at is not None:
                values["next_attempt_at"] = retry_at
        held = and_(webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.status == PENDING,
                    webhook_deliveries.c.claimed_by == claim[0], webhook_deliveries.c.next_attempt_at == claim[1])
        return self.conn.execute(update(webhook_deliveries).where(held).values(**values)).rowcount == 1

    def deliveries(self, *, endpoint_id: str | None = None, limit: int = 200) -> list[dict]:
        query = (select(webhook_deliveries, webhook_endpoints.c.url)
                 .join(webhook_endpoints, webhook_endpoints.c.id == webhook_deliveries.c.endpoint_id)
                 .order_by(webhook_deliveries.c.id.desc()).limit(limit))
        if endpoint_id:
            query = query.where(webhook_deliveries.c.endpoint_id == endpoint_id)
        return [dict(r._mapping) for r in self.conn.execute(query).all()]

    # metrics -----------------------------------------------------------------------------------
    def webhook_counts(self) -> dict:
        pending = self.conn.execute(select(func.count()).select_from(webhook_deliveries)
                                    .where(webhook_deliveries.c.status == PENDING)).scalar_one()
        failures = self.conn.execute(select(func.coalesce(func.sum(webhook_deliveries.c.failures), 0))).scalar_one()
        gave_up = self.conn.execute(select(func.count()).select_from(webhook_deliveries)
                                    .where(webhook_deliveries.c.status == FAILED)).scalar_one()
        return {"pending": pending, "failures": int(failures), "gaveUp": gave_up}

    def notification_counts(self) -> dict[str, int]:
        rows = self.conn.execute(select(notifications.c.status, func.count()).group_by(notifications.c.status)).all()
        return {status: count for status, count in rows}


class FaultRepo:
    """Injected faults and the operations they failed (``ops_tables.emulator_faults``, ``failed_operations``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.engine.dialect.name == "postgresql"

    def add(self, row: dict) -> None:
        self.conn.execute(insert(emulator_faults).values(operation_key=row["operation"].lower(), **row))

    def list(self) -> list[dict]:
        query = select(emulator_faults).order_by(emulator_faults.c.created_at, emulator_faults.c.fault_id)
        return [dict(r._mapping) for r in self.conn.execute(query).all()]

    def clear(self) -> int:
        return self.conn.execute(delete(emulator_faults)).rowcount

    def waiting(self, operation: str) -> bool:
        query = select(emulator_faults.c.fault_id).where(emulator_faults.c.operation_key == operation.lower()).limit(1)
        return self.conn.execute(query).first() is not None

    def take(self, operation: str) -> dict | None:
        """The oldest fault for ``operation``, one use of it consumed (the last use removes it)."""
        query = (select(emulator_faults).where(emulator_faults.c.operation_key == operation.lower())
                 .order_by(emulator_faults.c.created_at, emulator_faults.c.fault_id).limit(1))
        if self.postgres:
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        if row is None:
            return None
        where = emulator_faults.c.fault_id == row.fault_id
        if row.remaining <= 1:
            self.conn.execute(delete(emulator_faults).where(where))
        else:
            self.conn.execute(update(emulator_faults).where(where).values(remaining=row.remaining - 1))
        return dict(row._mapping)

    def record_failure(self, operation_id: str, fault: dict, now: datetime) -> None:
        self.conn.execute(insert(failed_operations).values(
            operation_id=operation_id, operation=fault["operation"], code=fault["code"], message=fault["message"],
            created_at=now))

    def failure(self, operation_id: str) -> dict | None:
        row = self.conn.execute(select(failed_operations).where(failed_operations.c.operation_id == operation_id)).first()
        return dict(row._mapping) if row else None


class SecretRepo:
    """Secrets of the installation (``installation_secrets``), shared by every process on the database."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.engine.dialect.name == "postgresql"

    def secret(self, name: str) -> str | None:
        return self.conn.execute(select(installation_secrets.c.value)
                                 .where(installation_secrets.c.name == name)).scalar_one_or_none()

    def keep_first_secret(self, name: str, value: str, now: datetime) -> str:
        """Store ``value`` unless a process stored one first; return the stored one (so all processes agree)."""
        insert_for = dialect_insert(self.conn)
        self.conn.execute(insert_for(installation_secrets).values(name=name, value=value, created_at=now)
                          .on_conflict_do_nothing())
        stored = self.secret(name)
        if stored is None:
            raise RuntimeError(f"The installation secret {name!r} is missing right after it was stored.")
        return stored


ACTIVE, RETIRING, RETIRED = "active", "retiring", "retired"


class SigningKeyRepo:
    """Token signing keys (``signing_keys``), newest generation first."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.engine.dialect.name == "postgresql"

    def keys(self, *, with_retired: bool = False) -> list[dict]:
        query = select(signing_keys).order_by(signing_keys.c.generation.desc())
        if not with_retired:
            query = query.where(signing_keys.c.status != RETIRED)
        return [dict(row._mapping) for row in self.conn.execute(query)]

    def retire_due(self, now: datetime) -> None:
        self.conn.execute(update(signing_keys)
                          .where(signing_keys.c.status == RETIRING, signing_keys.c.retire_after <= now)
                          .values(status=RETIRED))

    def keep_first(self, kid: str, private_key: str, now: datetime) -> None:
        """Generation 1, unless another process stored it first (then nothing changes)."""
        insert_for = dialect_insert(self.conn)
        self.conn.execute(insert_for(signing_keys).values(generation=1, kid=kid, private_key=private_key,
                                                          status=ACTIVE, created_at=now)
                          .on_conflict_do_nothing(index_elements=[signing_keys.c.generation]))

    def rotate(self, kid: str, private_key: str, now: datetime, retire_after: datetime) -> int:
        """A new active key; the active ones become retiring until ``retire_after``. Returns the new generation."""
        # the row locks order concurrent rotations; the max is read after them, so it sees the winner's row
        self.conn.execute(select(signing_keys.c.generation).where(signing_keys.c.status == ACTIVE)
                          .with_for_update()).all()
        newest = self.conn.execute(select(func.max(signing_keys.c.generation))).scalar_one() or 0
        self.conn.execute(update(signing_keys).where(signing_keys.c.status == ACTIVE)
                          .values(status=RETIRING, retire_after=retire_after))
        self.conn.execute(insert(signing_keys).values(generation=newest + 1, kid=kid, private_key=private_key,
                                                      status=ACTIVE, created_at=now))
        return newest + 1
