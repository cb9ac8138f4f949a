"""Portal sessions, the request log and the access token (``coordination_tables``): what every process on the database shares."""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import Connection, delete, insert, or_, select, text, update

from .coordination_tables import access_version, portal_sessions, request_log

_ACCESS_TOKEN = select(access_version.c.token).where(access_version.c.id == 1)  # read by every request (issue 14)


class PortalSessionRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, *, token_hash: str, principal: dict, csrf: str, created_at: datetime, expires_at: datetime) -> None:
        self.conn.execute(insert(portal_sessions).values(token_hash=token_hash, principal=principal, csrf=csrf,
                                                         created_at=created_at, last_seen_at=created_at,
                                                         expires_at=expires_at))

    def find(self, token_hash: str) -> dict | None:
        row = self.conn.execute(select(portal_sessions).where(portal_sessions.c.token_hash == token_hash)).first()
        return dict(row._mapping) if row else None

    def touch(self, token_hash: str, *, seen_at: datetime) -> None:
        self.conn.execute(update(portal_sessions)
                          .where(portal_sessions.c.token_hash == token_hash, portal_sessions.c.last_seen_at < seen_at)
                          .values(last_seen_at=seen_at))

    def remove(self, token_hash: str) -> None:
        self.conn.execute(delete(portal_sessions).where(portal_sessions.c.token_hash == token_hash))

    def remove_expired(self, *, now: datetime, idle_since: datetime, token_hash: str | None = None) -> int:
        """Delete the sessions past their absolute limit or idle since before ``idle_since`` (all, or one)."""
        query = delete(portal_sessions).where(or_(portal_sessions.c.expires_at < now,
                                                  portal_sessions.c.last_seen_at < idle_since))
        if token_hash is not None:
            query = query.where(portal_sessions.c.token_hash == token_hash)
        return self.conn.execute(query).rowcount


_REQUEST_LOG_LOCK = 0x5B5_0003  # PostgreSQL advisory-lock key for "a process stores its request-log batch"


class RequestLogRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_many(self, entries: list[dict]) -> None:
        """Store a batch. On PostgreSQL the processes' batches (and the prune that may follow in the same
        transaction) take turns: two prunes running side by side would each keep their own newest rows,
        past the log's size."""
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _REQUEST_LOG_LOCK})
        self.conn.execute(insert(request_log), entries)

    def newest(self, limit: int) -> list[dict]:
        rows = self.conn.execute(select(request_log).order_by(request_log.c.at.desc(), request_log.c.id.desc())
                                 .limit(limit))
        return [dict(row._mapping) for row in rows]

    def keep_newest(self, count: int) -> int:
        """Delete every row older than the newest ``count`` (rows as old as the oldest kept one stay too)."""
        oldest_kept = self.conn.execute(select(request_log.c.at).order_by(request_log.c.at.desc())
                                        .offset(count - 1).limit(1)).scalar_one_or_none()
        if oldest_kept is None:
            return 0
        return self.conn.execute(delete(request_log).where(request_log.c.at < oldest_kept)).rowcount

    def clear(self) -> None:
        self.conn.execute(delete(request_log))

    def forget_subscriptions(self, subscription_ids: builtins.list[str]) -> None:
        """A purge: the requests whose path named a purged subscription (and its groups and resources) go."""
        self.conn.execute(delete(request_log).where(request_log.c.subscription_id.in_(list(subscription_ids))))


class AccessVersionRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def token(self) -> str | None:
        """The current access token (``None`` before migration access_0001)."""
        return self.conn.execute(_ACCESS_TOKEN).scalar_one_or_none()
