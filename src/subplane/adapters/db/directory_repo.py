"""Tenants, users, service principals, billing accounts and role assignments."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, delete, func, insert, select

from ...domain.access import Principal, PrincipalKind, Role, RoleAssignment
from ...domain.errors import NotFound
from .tables import billing_accounts, role_assignments, service_principals, tenants, users


@dataclass(frozen=True)
class BillingAccount:
    billing_account_id: str
    name: str
    currency: str
    country: str
    language: str
    admin_user_id: str


@dataclass(frozen=True)
class StoredCredential:
    principal: Principal
    secret_hash: str
    tenant_id: str
    client_id: str | None = None


@dataclass(frozen=True)
class DirectoryObject:
    """A user (``name``: its user principal name) or service principal (``name``: its application id)."""
    object_id: str
    kind: PrincipalKind
    display_name: str
    name: str
    tenant_id: str = ""


USER_KEYS = ("id", "userPrincipalName", "displayName")  # what a user can be looked up by
SERVICE_PRINCIPAL_KEYS = ("id", "appId", "displayName")


class DirectoryRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # tenants ----------------------------------------------------------------------------------
    def add_tenant(self, tenant_id: str, name: str, domain: str) -> None:
        self.conn.execute(insert(tenants).values(tenant_id=tenant_id, name=name, domain=domain))

    def find_tenant(self, tenant_id: str) -> dict | None:
        row = self.conn.execute(select(tenants).where(tenants.c.tenant_id == tenant_id)).first()
        return dict(row._mapping) if row else None

    def list_tenants(self) -> list[dict]:
        return [dict(r._mapping) for r in self.conn.execute(select(tenants).order_by(tenants.c.name)).all()]

    def tenants_of(self, principal_id: str) -> list[dict]:
        """The tenants the principal (a user or a service principal, by object id) belongs to."""
        homes = select(users.c.tenant_id).where(users.c.user_id == principal_id).union(
            select(service_principals.c.tenant_id).where(service_principals.c.object_id == principal_id))
        query = select(tenants).where(tenants.c.tenant_id.in_(homes)).order_by(tenants.c.name)
        return [dict(r._mapping) for r in self.conn.execute(query).all()]

    # principals -------------------------------------------------------------------------------
    def add_user(self, *, user_id: str, tenant_id: str, upn: str, display_name: str, password_hash: str) -> None:
        self.conn.execute(
            insert(users).values(
                user_id=user_id, tenant_id=tenant_id, upn_key=upn.lower(), user_principal_name=upn,
                display_name=display_name, password_hash=password_hash,
            )
        )

    def add_service_principal(
        self, *, object_id: str, tenant_id: str, name: str, client_id: str, secret_hash: str
    ) -> None:
        self.conn.execute(
            insert(service_principals).values(
                object_id=object_id, tenant_id=tenant_id, name=name, client_id=client_id, secret_hash=secret_hash
            )
        )

    def set_service_principal_secret(self, object_id: str, secret_hash: str) -> None:
        self.conn.execute(
            service_principals.update().where(service_principals.c.object_id == object_id).values(secret_hash=secret_hash)
        )

    def user_credential(self, upn: str) -> StoredCredential | None:
        row = self.conn.execute(select(users).where(users.c.upn_key == upn.lower())).first()
        if row is None:
            return None
        return StoredCredential(
            Principal(row.user_id, row.user_principal_name, PrincipalKind.USER), row.password_hash, row.tenant_id
        )

    def service_principal_credential(self, name_or_client_id: str) -> StoredCredential | None:
        key = name_or_client_id.lower()
        return _service_principal_credential(self.conn.execute(
            select(service_principals).where(
                (func.lower(service_principals.c.name) == key) | (service_principals.c.client_id == key)
            )
        ).first())

    def client_credential(self, client_id: str) -> StoredCredential | None:
        """The service principal with this client id (not name): the unique index's one-row read."""
        return _service_principal_credential(self.conn.execute(
            select(service_principals).where(service_principals.c.client_id == client_id.lower())).first())

    def user_tenant(self, user_id: str) -> str:
        return self.conn.execute(select(users.c.tenant_id).where(users.c.user_id == user_id)).scalar_one()

    def principal_tenant(self, object_id: str) -> str | None:
        """The tenant of the user or service principal with this object id; None when there is none."""
        key = object_id.lower()
        return (self.conn.execute(select(users.c.tenant_id).where(users.c.user_id == key)).scalar()
                or self.conn.execute(select(service_principals.c.tenant_id)
                                     .where(service_principals.c.object_id == key)).scalar())

    def find_principal(self, name: str) -> Principal:
        """A user principal name, a service principal name, or a client id."""
        found = self.user_credential(name) or self.service_principal_credential(name)
        if found is None:
            raise NotFound("PrincipalNotFound", f"No user or service principal is called {name!r}.", name=name)
        return found.principal

    def directory_objects(self, tenant_id: str, object_ids: list[str]) -> list[DirectoryObject]:
        """The users and service principals of one tenant among ``object_ids`` (unknown ids are left out)."""
        keys = sorted({i.lower() for i in object_ids})
        return (self._users(tenant_id, users.c.user_id.in_(keys))
                + self._service_principals(tenant_id, service_principals.c.object_id.in_(keys)))

    def users_in(self, tenant_id: str, *, prefix: dict[str, str] | None = None, **equal: str) -> list[DirectoryObject]:
        """The users of one tenant whose ``USER_KEYS`` properties equal the given values, or start with the
        ``prefix`` ones (both without case)."""
        columns = {"id": users.c.user_id, "userPrincipalName": users.c.upn_key, "displayName": users.c.display_name}
        return self._users(tenant_id, *_matching(columns, equal, prefix))

    def service_principals_in(self, tenant_id: str, *, prefix: dict[str, str] | None = None,
                              **equal: str) -> list[DirectoryObject]:
        """The service principals of one tenant whose ``SERVICE_PRINCIPAL_KEYS`` properties match, as users_in."""
        columns = {"id": service_principals.c.object_id, "appId": service_principals.c.client_id,
                   "displayName": service_principals.c.name}
        return self._service_principals(tenant_id, *_matching(columns, equal, prefix))

    def _users(self, tenant_id: str, *conditions) -> list[DirectoryObject]:
        query = select(users).where(users.c.tenant_id == tenant_id, *conditions).order_by(users.c.upn_key)
        return [DirectoryObject(r.user_id, PrincipalKind.USER, r.display_name, r.user_principal_name, r.tenant_id)
                for r in self.conn.execute(query).all()]

    def _service_principals(self, tenant_id: str, *conditions) -> list[DirectoryObject]:
        query = (select(service_principals).where(service_principals.c.tenant_id == tenant_id, *conditions)
                 .order_by(service_principals.c.name))
        return [DirectoryObject(r.object_id, PrincipalKind.SERVICE_PRINCIPAL, r.name, r.client_id, r.tenant_id)
                for r in self.conn.execute(query).all()]

    def list_users(self) -> list[dict]:
        rows = self.conn.execute(select(users).order_by(users.c.upn_key)).all()
        return [{k: v for k, v in r._mapping.items() if k != "password_hash"} for r in rows]

    # billing accounts -------------------------------------------------------------------------
    def add_billing_account(self, account: BillingAccount) -> None:
        self.conn.execute(insert(billing_accounts).values(**account.__dict__))

    def get_billing_account(self, billing_account_id: str) -> BillingAccount:
        row = self.conn.execute(
            select(billing_accounts).where(billing_accounts.c.billing_account_id == billing_account_id)
        ).first()
        if row is None:
            raise NotFound("BillingAccountNotFound", f"Billing account {billing_account_id!r} does not exist.")
        return BillingAccount(**row._mapping)

    def billing_account(self, ref: str) -> BillingAccount:
        """A billing account by its exact name or its id (NotFound otherwise)."""
        return self.find_billing_account_by_name(ref) or self.get_billing_account(ref.lower())

    def list_billing_accounts(self) -> list[BillingAccount]:
        rows = self.conn.execute(select(billing_accounts).order_by(billing_accounts.c.name)).all()
        return [BillingAccount(**row._mapping) for row in rows]

    def find_billing_account_by_name(self, name: str) -> BillingAccount | None:
        row = self.conn.execute(select(billing_accounts).where(billing_accounts.c.name == name)).first()
        return BillingAccount(**row._mapping) if row else None

    def billing_accounts_administered_by(self, user_id: str) -> list[str]:
        return list(
            self.conn.execute(
                select(billing_accounts.c.billing_account_id).where(billing_accounts.c.admin_user_id == user_id)
            ).scalars()
        )

    # role assignments -------------------------------------------------------------------------
    def add_role_assignment(self, assignment: RoleAssignment, *, subscription_id: str, now: datetime) -> None:
        self.conn.execute(
            insert(role_assignments).values(
                assignment_id=assignment.assignment_id, subscription_id=subscription_id.lower(),
                scope=assignment.scope, role=assignment.role.value, principal_id=assignment.principal_id,
                created_at=now,
            )
        )

    def role_assignments(
        self, *, subscription_id: str | None = None, principal_id: str | None = None
    ) -> list[RoleAssignment]:
        query = select(role_assignments).order_by(role_assignments.c.created_at, role_assignments.c.assignment_id)
        if subscription_id is not None:
            query = query.where(role_assignments.c.subscription_id == subscription_id.lower())
        if principal_id is not None:
            query = query.where(role_assignments.c.principal_id == principal_id)
        return [
            RoleAssignment(r.assignment_id, r.scope, Role(r.role), r.principal_id)
            for r in self.conn.execute(query).all()
        ]

    def find_role_assignment(self, assignment_id: str) -> tuple[RoleAssignment, str] | None:
        """The assignment and its subscription id, by assignment GUID."""
        row = self.conn.execute(select(role_assignments).where(role_assignments.c.assignment_id == assignment_id.lower())).first()
        if row is None:
            return None
        return RoleAssignment(row.assignment_id, row.scope, Role(row.role), row.principal_id), row.subscription_id

    def delete_role_assignment(self, assignment_id: str) -> None:
        self.conn.execute(delete(role_assignments).where(role_assignments.c.assignment_id == assignment_id.lower()))

    def subscriptions_with_assignments(self, principal_id: str) -> set[str]:
        return set(
            self.conn.execute(
                select(role_assignments.c.subscription_id).where(role_assignments.c.principal_id == principal_id)
            ).scalars()
        )

    def purge_role_assignments(self, subscription_ids: builtins.list[str]) -> int:
        return self.conn.execute(
            delete(role_assignments).where(role_assignments.c.subscription_id.in_([i.lower() for i in subscription_ids]))
        ).rowcount


def _matching(columns: dict, equal: dict[str, str], prefix: dict[str, str] | None) -> list:
    conditions = [func.lower(columns[k]) == v.lower() for k, v in equal.items()]
    return conditions + [func.lower(columns[k]).startswith(v.lower(), autoescape=True) for k, v in (prefix or {}).items()]


def _service_principal_credential(row: Row | None) -> StoredCredential | None:
    if row is None:
        return None
    principal = Principal(row.object_id, row.name, PrincipalKind.SERVICE_PRINCIPAL)
    return StoredCredential(principal, row.secret_hash, row.tenant_id, row.client_id)
