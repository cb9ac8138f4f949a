"""Management groups, placements, group-scope role assignments and hierarchy settings (management_tables)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from ...domain.access import Role, RoleAssignment
from ...domain.management_groups import HierarchySettings, ManagementGroup, root_of, scope_of
from .management_tables import group_role_assignments, hierarchy_settings, management_groups, subscription_placements


def key(group_id: str) -> str:
    return group_id.lower()


class ManagementGroupRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # groups ------------------------------------------------------------------------------------
    def _group(self, row, tenant_id: str) -> ManagementGroup:
        parent = tenant_id if row.parent_key == key(tenant_id) else self._id_of(row.parent_key, tenant_id)
        return ManagementGroup(row.group_id, row.tenant_id, row.display_name, parent)

    def _id_of(self, group_key: str, tenant_id: str) -> str:
        if group_key == key(tenant_id):
            return tenant_id
        found = self.conn.execute(select(management_groups.c.group_id)
                                  .where(management_groups.c.group_key == group_key)).scalar_one_or_none()
        return found or group_key

    def find(self, tenant_id: str, group_id: str) -> ManagementGroup | None:
        if key(group_id) == key(tenant_id):
            return root_of(tenant_id)
        row = self.conn.execute(select(management_groups).where(management_groups.c.group_key == key(group_id),
                                                                management_groups.c.tenant_id == tenant_id)).first()
        return self._group(row, tenant_id) if row else None

    def taken(self, group_id: str) -> bool:
        """Group ids are unique across tenants, as in Azure."""
        return self.conn.execute(select(func.count()).select_from(management_groups)
                                 .where(management_groups.c.group_key == key(group_id))).scalar_one() > 0

    def all(self, tenant_id: str) -> list[ManagementGroup]:
        """Every group of the tenant, the root first, then by id."""
        rows = self.conn.execute(select(management_groups).where(management_groups.c.tenant_id == tenant_id)
                                 .order_by(management_groups.c.group_key)).all()
        ids = {row.group_key: row.group_id for row in rows} | {key(tenant_id): tenant_id}
        return [root_of(tenant_id)] + [ManagementGroup(r.group_id, r.tenant_id, r.display_name, ids[r.parent_key])
                                       for r in rows]

    def parents(self, tenant_id: str) -> dict[str, str | None]:
        return {g.group_id: g.parent_id for g in self.all(tenant_id)}

    def insert(self, group: ManagementGroup, *, now: datetime, by: str) -> None:
        self.conn.execute(insert(management_groups).values(
            group_key=key(group.group_id), group_id=group.group_id, tenant_id=group.tenant_id,
            display_name=group.display_name, parent_key=key(group.parent_id or group.tenant_id), updated_at=now,
            updated_by=by))

    def update(self, group: ManagementGroup, *, now: datetime, by: str) -> None:
        self.conn.execute(update(management_groups).where(management_groups.c.group_key == key(group.group_id))
                          .values(display_name=group.display_name, parent_key=key(group.parent_id or group.tenant_id),
                                  updated_at=now, updated_by=by))

    def delete(self, group_id: str) -> None:
        self.conn.execute(delete(management_groups).where(management_groups.c.group_key == key(group_id)))
        self.conn.execute(delete(group_role_assignments).where(group_role_assignments.c.group_key == key(group_id)))

    def child_groups(self, group_id: str) -> int:
        return self.conn.execute(select(func.count()).select_from(management_groups)
                                 .where(management_groups.c.parent_key == key(group_id))).scalar_one()

    def audit(self, group_id: str) -> tuple[datetime, str] | None:
        row = self.conn.execute(select(management_groups.c.updated_at, management_groups.c.updated_by)
                                .where(management_groups.c.group_key == key(group_id))).first()
        return (row.updated_at, row.updated_by) if row else None

    # placements --------------------------------------------------------------------------------
    def placement(self, subscription_id: str, tenant_id: str) -> str:
        """The id of the group the subscription sits in (the tenant root group unless placed)."""
        row = self.conn.execute(select(subscription_placements.c.group_key)
                                .where(subscription_placements.c.subscription_id == subscription_id)).first()
        return tenant_id if row is None else self._id_of(row.group_key, tenant_id)

    def return_to(self, subscription_id: str) -> str | None:
        return self.conn.execute(select(subscription_placements.c.return_key)
                                 .where(subscription_placements.c.subscription_id == subscription_id)).scalar_one_or_none()

    def place(self, subscription_id: str, group_id: str, *, return_to: str | None = None) -> None:
        self.conn.execute(delete(subscription_placements)
                          .where(subscription_placements.c.subscription_id == subscription_id))
        self.conn.execute(insert(subscription_placements).values(
            subscription_id=subscription_id, group_key=key(group_id),
            return_key=key(return_to) if return_to else None))

    def placed_in(self, group_ids: list[str]) -> list[str]:
        """The ids of the subscriptions placed in any of ``group_ids`` (not those sitting in the root unplaced)."""
        return list(self.conn.execute(select(subscription_placements.c.subscription_id)
                                      .where(subscription_placements.c.group_key.in_([key(g) for g in group_ids]))
                                      .order_by(subscription_placements.c.subscription_id)).scalars())

    def placements(self, subscription_ids: list[str]) -> dict[str, str]:
        """subscription id -> group key, for the placed ones among ``subscription_ids``."""
        rows = self.conn.execute(select(subscription_placements)
                                 .where(subscription_placements.c.subscription_id.in_(subscription_ids))).all()
        return {row.subscription_id: row.group_key for row in rows}

    # role assignments at group scope -------------------------------------------------------------
    def assignments(self, *, principal_id: str | None = None, group_ids: list[str] | None = None) -> list[RoleAssignment]:
        query = select(group_role_assignments, management_groups.c.group_id).outerjoin(
            management_groups, management_groups.c.group_key == group_role_assignments.c.group_key)
        if principal_id is not None:
            query = query.where(group_role_assignments.c.principal_id == principal_id)
        if group_ids is not None:
            query = query.where(group_role_assignments.c.group_key.in_([key(g) for g in group_ids]))
        return [RoleAssignment(row.assignment_id, scope_of(row.group_id or row.group_key), Role(row.role),
                               row.principal_id) for row in self.conn.execute(query.order_by(
                                   group_role_assignments.c.created_at, group_role_assignments.c.assignment_id))]

    def add_assignment(self, assignment_id: str, group_id: str, role: Role, principal_id: str, *, now: datetime) -> None:
        self.conn.execute(insert(group_role_assignments).values(
            assignment_id=assignment_id, group_key=key(group_id), role=role.value, principal_id=principal_id,
            created_at=now))

    def remove_assignment(self, assignment_id: str) -> bool:
        return self.conn.execute(delete(group_role_assignments)
                                 .where(group_role_assignments.c.assignment_id == assignment_id)).rowcount > 0

    # hierarchy settings -----------------------------------------------------------------------------
    def settings(self, tenant_id: str) -> HierarchySettings:
        row = self.conn.execute(select(hierarchy_settings).where(hierarchy_settings.c.tenant_id == tenant_id)).first()
        if row is None:
            return HierarchySettings()
        return HierarchySettings(
            default_group=self._id_of(row.default_group_key, tenant_id) if row.default_group_key else None,
            decommission_group=(self._id_of(row.decommission_group_key, tenant_id)
                                if row.decommission_group_key else None),
            require_authorization=bool(row.require_authorization))

    def save_settings(self, tenant_id: str, settings: HierarchySettings) -> None:
        self.conn.execute(delete(hierarchy_settings).where(hierarchy_settings.c.tenant_id == tenant_id))
        self.conn.execute(insert(hierarchy_settings).values(
            tenant_id=tenant_id, default_group_key=key(settings.default_group) if settings.default_group else None,
            decommission_group_key=key(settings.decommission_group) if settings.decommission_group else None,
            require_authorization=settings.require_authorization))
