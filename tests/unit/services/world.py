"""A small tenant to run use cases against, seeded through the repositories' own writes, so the same ``seed``
fills a fake store and a real database alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from subplane.adapters.db.directory_repo import BillingAccount
from subplane.domain.access import Principal, PrincipalKind, Role, RoleAssignment
from subplane.domain.lifecycle import State, Subscription
from subplane.domain.resources import AllocationMethod, PowerState, Resource, ResourceType, resource_id

NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
TENANT = "7e4a1c2d-0000-4000-8000-000000000001"


def _user(name: str) -> Principal:
    return Principal(str(uuid.uuid5(uuid.NAMESPACE_DNS, name)), name, PrincipalKind.USER)


ADMIN = _user("admin@contoso.example")  # the billing account's Account Administrator
OWNER = _user("owner@contoso.example")  # Owner of both subscriptions
READER = _user("reader@contoso.example")  # Reader of Productie
STRANGER = _user("stranger@contoso.example")  # no role anywhere
ACCOUNT = BillingAccount("b11a0000-0000-4000-8000-000000000001", "Contoso", "EUR", "NL", "nl", ADMIN.principal_id)


def _subscription(sub_id: str, name: str, offer_id: str, created: datetime) -> Subscription:
    return Subscription(sub_id, name, TENANT, ACCOUNT.billing_account_id, offer_id, State.ENABLED, None, created,
                        state_changed_at=created)


PROD = _subscription("5b0d0000-0000-4000-8000-000000000001", "Productie", "MS-AZR-0003P", NOW - timedelta(days=40))
TRIAL = _subscription("5b0d0000-0000-4000-8000-000000000002", "Proef", "MS-AZR-0044P", NOW - timedelta(days=3))


def _resource(name: str, rtype: ResourceType, **fields: Any) -> Resource:
    return Resource(resource_id(PROD.subscription_id, "web", rtype, name), PROD.subscription_id, "web", rtype, name,
                    "westeurope", NOW - timedelta(days=30), **fields)


VM = _resource("web-01", ResourceType.VIRTUAL_MACHINE, vm_size="Standard_B1s", power_state=PowerState.RUNNING)
DYNAMIC_IP = _resource("web-01-ip", ResourceType.PUBLIC_IP, allocation_method=AllocationMethod.DYNAMIC, ip_address="20.0.0.7")
STATIC_IP = _resource("db-01-ip", ResourceType.PUBLIC_IP, allocation_method=AllocationMethod.STATIC, ip_address="20.0.0.8")
STORAGE = _resource("contosodata", ResourceType.STORAGE_ACCOUNT, sku="Standard_LRS", read_only=False)
RESOURCES = (VM, DYNAMIC_IP, STATIC_IP, STORAGE)


def seed_directory(uow: Any) -> None:
    uow.directory.add_tenant(TENANT, "Contoso", "contoso.example")
    for person in (ADMIN, OWNER, READER, STRANGER):
        uow.directory.add_user(user_id=person.principal_id, tenant_id=TENANT, upn=person.name, display_name=person.name,
                               password_hash="not-a-hash")
    uow.directory.add_billing_account(ACCOUNT)


def seed(uow: Any) -> None:
    """Contoso: Productie (Pay-As-You-Go, four resources) and Proef (Free Trial, empty)."""
    seed_directory(uow)
    for sub in (PROD, TRIAL):
        uow.subscriptions.add(sub)
    grants = [(PROD, Role.OWNER, OWNER), (PROD, Role.READER, READER), (TRIAL, Role.OWNER, OWNER)]
    for n, (sub, role, person) in enumerate(grants, start=1):
        uow.directory.add_role_assignment(RoleAssignment(f"a551a000-0000-4000-8000-{n:012d}", sub.resource_id, role,
                                                         person.principal_id),
                                          subscription_id=sub.subscription_id, now=NOW - timedelta(days=1))
    for resource in RESOURCES:
        uow.resources.add(resource)
