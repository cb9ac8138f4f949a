"""Storage for what the ARM API added: subscription aliases, billing-account roles, resource-group and
subscription tags."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from ...domain.tags import stored_tags
from .arm_tables import billing_role_assignments, subscription_aliases, subscription_tags
from .tables import resource_groups

_TAGS_OF_ONE = select(subscription_tags).where(subscription_tags.c.subscription_id == bindparam("subscription_id"))


@dataclass(frozen=True)
class Alias:
    tenant_id: str
    name: str
    subscription_id: str
    billing_account_id: str
    billing_scope: str
    workload: str
    display_name: str
    owner_id: str
    created_by_id: str
    created_by: str
    created_by_kind: str
    created_at: datetime
    tags: dict = field(default_factory=dict, compare=False, hash=False)


class AliasRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, alias: Alias) -> None:
        self.conn.execute(insert(subscription_aliases).values(name_key=alias.name.lower(), **alias.__dict__))

    def find(self, tenant_id: str | None, name: str) -> Alias | None:
        """The alias of that name in the tenant (``None``: in any tenant, for the operator)."""
        query = select(subscription_aliases).where(subscription_aliases.c.name_key == name.lower())
        if tenant_id is not None:
            query = query.where(subscription_aliases.c.tenant_id == tenant_id)
        row = self.conn.execute(query.order_by(subscription_aliases.c.tenant_id)).first()
        return _alias(row) if row else None

    def list(self, tenant_id: str | None) -> list[Alias]:
        query = select(subscription_aliases).order_by(subscription_aliases.c.name_key)
        if tenant_id is not None:
            query = query.where(subscription_aliases.c.tenant_id == tenant_id)
        return [_alias(r) for r in self.conn.execute(query).all()]

    def delete(self, alias: Alias) -> None:
        self.conn.execute(delete(subscription_aliases).where(subscription_aliases.c.tenant_id == alias.tenant_id,
                                                             subscription_aliases.c.name_key == alias.name.lower()))

    def delete_for_subscriptions(self, subscription_ids: builtins.list[str]) -> int:
        """A purge forgets the subscriptions' aliases (their names, display names and tags)."""
        return self.conn.execute(delete(subscription_aliases)
                                 .where(subscription_aliases.c.subscription_id.in_(list(subscription_ids)))).rowcount


def _alias(row) -> Alias:
    values = {k: v for k, v in row._mapping.items() if k != "name_key"}
    return Alias(**values)


class BillingRoleRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def roles_of(self, billing_account_id: str, principal_id: str) -> set[str]:
        table = billing_role_assignments
        return set(self.conn.execute(select(table.c.role).where(
            table.c.billing_account_id == billing_account_id, table.c.principal_id == principal_id)).scalars())

    def grant(self, billing_account_id: str, principal_id: str, role: str, now: datetime) -> bool:
        """Adds the role unless held already; True when something was added."""
        if role in self.roles_of(billing_account_id, principal_id):
            return False
        self.conn.execute(insert(billing_role_assignments).values(
            billing_account_id=billing_account_id, principal_id=principal_id, role=role, created_at=now))
        return True


class GroupTagRepo:
    """Tags live in ``resource_groups.tags``; groups themselves stay with ``ResourceRepo``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, subscription_id: str, name: str) -> dict[str, str]:
        value = self.conn.execute(select(resource_groups.c.tags).where(
            resource_groups.c.subscription_id == subscription_id,
            resource_groups.c.name_key == name.lower())).scalar()
        return stored_tags(value)

    def by_group(self, subscription_id: str) -> dict[str, dict[str, str]]:
        """Every group's tags in one query, keyed by lower-cased group name."""
        rows = self.conn.execute(select(resource_groups.c.name_key, resource_groups.c.tags).where(
            resource_groups.c.subscription_id == subscription_id)).all()
        return {r.name_key: stored_tags(r.tags) for r in rows}

    def set(self, subscription_id: str, name: str, tags: dict[str, str]) -> None:
        self.conn.execute(update(resource_groups).where(
            resource_groups.c.subscription_id == subscription_id,
            resource_groups.c.name_key == name.lower()).values(tags=dict(tags)))


class SubscriptionTagRepo:
    """A subscription's tags: one row while it has any."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, subscription_id: str) -> dict[str, str]:
        return self.by_subscription([subscription_id]).get(subscription_id, {})

    def by_subscription(self, subscription_ids: list[str]) -> dict[str, dict[str, str]]:
        """The tags of several subscriptions in one query (a list of subscriptions shows them)."""
        wanted = sorted(set(subscription_ids))
        if len(wanted) == 1:  # a point read: a prebuilt equality, not an expanding IN (issue 14)
            rows = self.conn.execute(_TAGS_OF_ONE, {"subscription_id": wanted[0]}).all()
        else:
            rows = self.conn.execute(select(subscription_tags).where(subscription_tags.c.subscription_id.in_(wanted))).all()
        return {r.subscription_id: stored_tags(r.tags) for r in rows}

    def set(self, subscription_id: str, tags: dict[str, str]) -> None:
        self.delete([subscription_id])
        if tags:
            self.conn.execute(insert(subscription_tags).values(subscription_id=subscription_id, tags=dict(tags)))

    def delete(self, subscription_ids: builtins.list[str]) -> int:
        return self.conn.execute(delete(subscription_tags)
                                 .where(subscription_tags.c.subscription_id.in_(list(subscription_ids)))).rowcount
