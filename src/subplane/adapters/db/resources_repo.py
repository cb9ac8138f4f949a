"""Resource groups and resources; lifecycle effects applied set-based, one UPDATE per effect."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import asdict
from ipaddress import IPv4Address

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from ...domain.errors import Conflict, NotFound
from ...domain.resources import (
    AllocationMethod,
    FieldEffect,
    PowerState,
    Resource,
    ResourceGroup,
    ResourceType,
)
from .bulk import dialect_insert
from .tables import counters, resource_groups, resources

_ENUMS = {"type": ResourceType, "power_state": PowerState, "allocation_method": AllocationMethod}
_COLUMNS = [c.name for c in resources.columns if c.name not in ("id_key", "changed_by")]


def _from_row(row) -> Resource:
    data = {name: row._mapping[name] for name in _COLUMNS}
    for name, enum in _ENUMS.items():
        data[name] = enum(data[name]) if data[name] is not None else None
    data["properties"] = dict(data["properties"] or {})
    return Resource(**data)


def _to_row(resource: Resource) -> dict:
    row = asdict(resource)
    for name in _ENUMS:
        row[name] = row[name].value if row[name] is not None else None
    row["id_key"] = resource.resource_id.lower()
    return row


def _effect_filter(subscription_id: str, effect: FieldEffect):
    column = resources.c[effect.field]
    value = effect.value.value if hasattr(effect.value, "value") else effect.value
    differs = column.is_not(None) if value is None else or_(column.is_(None), column != value)
    conditions = [
        resources.c.subscription_id == subscription_id,
        resources.c.type == effect.resource_type.value,
        differs,
    ]
    for name, wanted in effect.only_when:
        conditions.append(resources.c[name] == (wanted.value if hasattr(wanted, "value") else wanted))
    return and_(*conditions), value


class ResourceRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # resource groups -------------------------------------------------------------------------
    def add_group(self, group: ResourceGroup, now) -> None:
        if self.find_group(group.subscription_id, group.name):
            raise Conflict("ResourceGroupExists", f"Resource group '{group.name}' already exists.")
        self.conn.execute(
            insert(resource_groups).values(
                subscription_id=group.subscription_id, name_key=group.name.lower(), name=group.name,
                location=group.location, created_at=now, tags=dict(group.tags) or None,
            )
        )

    def find_group(self, subscription_id: str, name: str) -> ResourceGroup | None:
        row = self.conn.execute(
            select(resource_groups).where(
                resource_groups.c.subscription_id == subscription_id, resource_groups.c.name_key == name.lower()
            )
        ).first()
        return ResourceGroup(row.subscription_id, row.name, row.location) if row else None

    def list_groups(self, subscription_id: str) -> list[ResourceGroup]:
        rows = self.conn.execute(
            select(resource_groups).where(resource_groups.c.subscription_id == subscription_id).order_by(
                resource_groups.c.name_key
            )
        ).all()
        return [ResourceGroup(r.subscription_id, r.name, r.location) for r in rows]

    def delete_group(self, subscription_id: str, name: str) -> None:
        """Removes the group's resources and the group itself (ARM resource-group delete)."""
        self.conn.execute(delete(resources).where(resources.c.subscription_id == subscription_id,
                                                  func.lower(resources.c.resource_group) == name.lower()))
        self.conn.execute(delete(resource_groups).where(resource_groups.c.subscription_id == subscription_id,
                                                        resource_groups.c.name_key == name.lower()))

    # resources -------------------------------------------------------------------------------
    def add(self, resource: Resource) -> None:
        if self.find(resource.resource_id):
            raise Conflict("ResourceExists", f"Resource '{resource.resource_id}' already exists.")
        self.conn.execute(insert(resources).values(**_to_row(resource)))

    def add_many(self, items: Iterable[Resource]) -> None:
        rows = [_to_row(r) for r in items]
        if rows:
            self.conn.execute(insert(resources), rows)

    def find(self, resource_id: str) -> Resource | None:
        row = self.conn.execute(select(resources).where(resources.c.id_key == resource_id.lower())).first()
        return _from_row(row) if row else None

    def get(self, resource_id: str) -> Resource:
        found = self.find(resource_id)
        if found is None:
            raise NotFound("ResourceNotFound", f"The resource '{resource_id}' was not found.", resource_id=resource_id)
        return found

    def find_by_name(self, name: str, rtype: ResourceType | None = None) -> list[Resource]:
        query = select(resources).where(func.lower(resources.c.name) == name.lower())
        if rtype is not None:
            query = query.where(resources.c.type == rtype.value)
        return [_from_row(r) for r in self.conn.execute(query).all()]

    def list(self, subscription_id: str, rtype: ResourceType | None = None) -> list[Resource]:
        query = select(resources).where(resources.c.subscription_id == subscription_id)
        if rtype is not None:
            query = query.where(resources.c.type == rtype.value)
        return [_from_row(r) for r in self.conn.execute(query.order_by(resources.c.id_key)).all()]

    def count(self, subscription_id: str) -> int:
        return self.conn.execute(
            select(func.count()).select_from(resources).where(resources.c.subscription_id == subscription_id)
        ).scalar_one()

    def update_fields(self, resource_id: str, **fields) -> None:
        values = {k: (v.value if hasattr(v, "value") else v) for k, v in fields.items()}
        self.conn.execute(update(resources).where(resources.c.id_key == resource_id.lower()).values(**values))

    def delete(self, resource_id: str) -> None:
        self.conn.execute(delete(resources).where(resources.c.id_key == resource_id.lower()))

    def apply_effects(self, subscription_id: str, effects: Iterable[FieldEffect], change_id: str) -> dict[FieldEffect, int]:
        """Apply each effect to every matching resource in one statement, stamping the rows it changes
        with ``change_id``; return how many rows each effect changed (``changed_by`` lists them)."""
        changed: dict[FieldEffect, int] = {}
        for effect in effects:
            where, value = _effect_filter(subscription_id, effect)
            statement = update(resources).where(where).values({effect.field: value, "changed_by": change_id})
            changed[effect] = self.conn.execute(statement).rowcount
        return changed

    # ``builtins.list``: in this class ``list`` names the method above
    def changed_by(self, subscription_id: str, change_id: str) -> dict[ResourceType, builtins.list[str]]:
        """The ids of the resources that the lifecycle change ``change_id`` changed (and that still exist)."""
        rows = self.conn.execute(
            select(resources.c.type, resources.c.resource_id)
            .where(resources.c.subscription_id == subscription_id, resources.c.changed_by == change_id)
            .order_by(resources.c.resource_id)
        ).all()
        ids: dict[ResourceType, list[str]] = {}
        for rtype, rid in rows:
            ids.setdefault(ResourceType(rtype), []).append(rid)
        return ids

    def purge(self, subscription_ids: builtins.list[str]) -> int:
        """Every resource and group of these subscriptions: one DELETE per table."""
        ids = list(subscription_ids)
        removed = self.conn.execute(delete(resources).where(resources.c.subscription_id.in_(ids))).rowcount
        self.conn.execute(delete(resource_groups).where(resource_groups.c.subscription_id.in_(ids)))
        return removed

    def next_ip_address(self) -> str:
        """A fresh public address from 20.0.0.0/8; each call returns a different one, also when two
        transactions ask at once (the increment is one atomic UPDATE ... RETURNING)."""
        insert = dialect_insert(self.conn)
        self.conn.execute(insert(counters).values(name="public_ip", value=0).on_conflict_do_nothing())
        value = self.conn.execute(
            update(counters).where(counters.c.name == "public_ip").values(value=counters.c.value + 1)
            .returning(counters.c.value)
        ).scalar_one()
        if value >= (1 << 24) - 1:
            raise Conflict("PublicIPAddressSpaceExhausted", "Every address of 20.0.0.0/8 has been handed out.")
        return str(IPv4Address((20 << 24) + value))
