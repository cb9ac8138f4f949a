"""An in-memory unit of work for service tests that need no SQL (the cosmicpython pattern).

``fake_uow_factory()`` answers like ``bootstrap.App.uow`` (``services.unit_of_work.UowFactory``): call it with
``correlation_id=`` and ``read_only=`` and use the result as a context manager. All its units of work share one
``FakeStore``, the "database". A unit of work that exits with an exception puts the store back as it was at its
``__enter__`` (a deep copy taken then), so a refusal leaves nothing behind, as a rolled-back transaction does;
one that exits normally keeps its changes. ``FakeUnitOfWork`` is a ``UnitOfWork`` with a fake connection,
transaction and repositories, so ``now`` (read from the clock on first use, then fixed), ``emit``, the
after-commit and after-rollback callbacks and the commit-or-rollback of ``__exit__`` are the real code.

The repositories have exactly the methods SubscriptionService's use cases call (create, rename, cancel,
schedule_cancel, reactivate, delete) plus the few writes a test seeds with, named and shaped as the real ones in
``adapters/db/*_repo.py``: the same errors (``NotFound`` with the same codes, ``Conflict`` on a reused id), the
same return shapes (dataclasses, dict rows with the table's columns, counts per ``FieldEffect``) and the same
orders. ``test_fake_contract.py`` runs the same calls on the fake and on SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import NoResultFound

from subplane.adapters.db.directory_repo import BillingAccount
from subplane.adapters.db.jobs_repo import CANCELLED, PENDING
from subplane.domain.access import Role, RoleAssignment
from subplane.domain.billing import needs_payment_method
from subplane.domain.errors import Conflict, InvalidInput, NotFound
from subplane.domain.events import DomainEvent
from subplane.domain.forgetting import kept_record
from subplane.domain.lifecycle import State, Subscription
from subplane.domain.management_groups import HierarchySettings, ManagementGroup, root_of, scope_of
from subplane.domain.resources import FieldEffect, Resource, ResourceType
from subplane.services.unit_of_work import UnitOfWork

DEFAULT_NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)  # tests/conftest.py's CLOCK_START


def _key(value: str) -> str:
    return value.lower()


# the store ---------------------------------------------------------------------------------------
@dataclass
class FakeStore:
    """Every table the fakes answer from. Plain data, so a deep copy is a snapshot and ``==`` compares two."""

    subscriptions: dict[str, Subscription] = field(default_factory=dict)  # by lower-case id
    resources: dict[str, Resource] = field(default_factory=dict)  # by lower-case resource id
    changed_by: dict[str, str] = field(default_factory=dict)  # resource id key -> the change id that last changed it
    blobs: dict[str, int] = field(default_factory=dict)  # subscription id -> how many blobs it holds
    tenants: dict[str, dict[str, str]] = field(default_factory=dict)
    users: dict[str, dict[str, str]] = field(default_factory=dict)  # user id -> {tenant_id, upn, display_name}
    service_principals: dict[str, str] = field(default_factory=dict)  # object id -> tenant id
    billing_accounts: dict[str, BillingAccount] = field(default_factory=dict)
    billing_roles: list[tuple[str, str, str]] = field(default_factory=list)  # (account id, principal id, role)
    role_assignments: list[dict[str, Any]] = field(default_factory=list)  # rows of role_assignments
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)  # group key -> row of management_groups
    placements: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # sub id -> (group key, return key)
    group_assignments: list[dict[str, Any]] = field(default_factory=list)  # rows of group_role_assignments
    hierarchy_settings: dict[str, HierarchySettings] = field(default_factory=dict)
    jobs: list[dict[str, Any]] = field(default_factory=list)  # rows of due_jobs
    activity: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    hooks: list[tuple[Any, ...]] = field(default_factory=list)  # what the fake hooks did, inside the transaction
    ids: dict[str, int] = field(default_factory=dict)  # the next autoincrement id per table

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def snapshot(self) -> FakeStore:
        return copy.deepcopy(self)

    def restore(self, saved: FakeStore) -> None:
        self.__dict__.update(copy.deepcopy(saved).__dict__)


# repositories ------------------------------------------------------------------------------------
class FakeSubscriptionRepo:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def get(self, subscription_id: str, *, for_update: bool = False) -> Subscription:
        found = self.store.subscriptions.get(_key(subscription_id))
        if found is None:
            raise NotFound("SubscriptionNotFound", f"The subscription '{subscription_id}' could not be found.",
                           subscription_id=subscription_id)
        return found

    def get_many(self, subscription_ids: Iterable[str], *, for_update: bool = False) -> list[Subscription]:
        return [self.get(i) for i in subscription_ids]  # in the order given; NotFound for the first missing

    def find_by_name(self, name: str) -> list[Subscription]:
        return sorted((s for s in self.store.subscriptions.values() if s.display_name == name), key=lambda s: s.created_at)

    def list(self, *, ids: list[str] | None = None, states: list[State] | None = None,
             billing_account_id: str | None = None, tenant_id: str | None = None) -> list[Subscription]:
        wanted = None if ids is None else {_key(i) for i in ids}
        found = [s for s in self.store.subscriptions.values()
                 if (tenant_id is None or s.tenant_id == tenant_id)
                 and (billing_account_id is None or s.billing_account_id == billing_account_id)
                 and (wanted is None or _key(s.subscription_id) in wanted)
                 and (not states or s.state in states)]
        return sorted(found, key=lambda s: (s.display_name, s.subscription_id))

    def add(self, sub: Subscription) -> None:
        if _key(sub.subscription_id) in self.store.subscriptions:
            raise Conflict("SubscriptionIdInUse", f"Subscription id {sub.subscription_id} was used before and is never reused.")
        self.store.subscriptions[_key(sub.subscription_id)] = sub

    def save(self, sub: Subscription) -> None:
        if _key(sub.subscription_id) in self.store.subscriptions:  # an UPDATE of no row changes nothing
            self.store.subscriptions[_key(sub.subscription_id)] = sub

    def save_many(self, subs: Iterable[Subscription]) -> None:
        for sub in subs:
            self.save(sub)


class FakeResourceRepo:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def add(self, resource: Resource) -> None:
        if _key(resource.resource_id) in self.store.resources:
            raise Conflict("ResourceExists", f"Resource '{resource.resource_id}' already exists.")
        self.store.resources[_key(resource.resource_id)] = resource

    def list(self, subscription_id: str, rtype: ResourceType | None = None) -> list[Resource]:
        return [r for k, r in sorted(self.store.resources.items())
                if r.subscription_id == subscription_id and (rtype is None or r.type is rtype)]

    def count(self, subscription_id: str) -> int:
        return len(self.list(subscription_id))

    def apply_effects(self, subscription_id: str, effects: Iterable[FieldEffect], change_id: str) -> dict[FieldEffect, int]:
        changed: dict[FieldEffect, int] = {}
        for effect in effects:
            changed[effect] = 0
            for key, resource in list(self.store.resources.items()):
                if resource.subscription_id == subscription_id and effect.changes(resource):
                    self.store.resources[key] = replace(resource, **{effect.field: effect.value})
                    self.store.changed_by[key] = change_id
                    changed[effect] += 1
        return changed

    def changed_by(self, subscription_id: str, change_id: str) -> dict[ResourceType, list[str]]:
        ids: dict[ResourceType, list[str]] = {}
        for resource in sorted(self.list(subscription_id), key=lambda r: r.resource_id):
            if self.store.changed_by.get(_key(resource.resource_id)) == change_id:
                ids.setdefault(resource.type, []).append(resource.resource_id)
        return ids

    def purge(self, subscription_ids: Iterable[str]) -> int:
        ids = set(subscription_ids)
        gone = [k for k, r in self.store.resources.items() if r.subscription_id in ids]
        for key in gone:
            del self.store.resources[key]
            self.store.changed_by.pop(key, None)
        return len(gone)


class FakeBlobRepo:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def purge(self, subscription_ids: Iterable[str]) -> int:
        return sum(self.store.blobs.pop(subscription_id, 0) for subscription_id in subscription_ids)


class FakeDirectoryRepo:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    # seeding, as the real repository's writes
    def add_tenant(self, tenant_id: str, name: str, domain: str) -> None:
        self.store.tenants[tenant_id] = {"tenant_id": tenant_id, "name": name, "domain": domain}

    def add_user(self, *, user_id: str, tenant_id: str, upn: str, display_name: str, password_hash: str) -> None:
        self.store.users[user_id] = {"tenant_id": tenant_id, "upn": upn, "display_name": display_name}

    def add_service_principal(self, *, object_id: str, tenant_id: str, name: str, client_id: str, secret_hash: str) -> None:
        self.store.service_principals[object_id] = tenant_id

    def add_billing_account(self, account: BillingAccount) -> None:
        self.store.billing_accounts[account.billing_account_id] = account

    # what the use cases read and write
    def user_tenant(self, user_id: str) -> str:
        user = self.store.users.get(user_id)
        if user is None:
            raise NoResultFound("No row was found when one was required")  # the real one's scalar_one()
        return user["tenant_id"]

    def principal_tenant(self, object_id: str) -> str | None:
        key = object_id.lower()
        user = self.store.users.get(key)
        return user["tenant_id"] if user else self.store.service_principals.get(key)

    def get_billing_account(self, billing_account_id: str) -> BillingAccount:
        found = self.store.billing_accounts.get(billing_account_id)
        if found is None:
            raise NotFound("BillingAccountNotFound", f"Billing account {billing_account_id!r} does not exist.")
        return found

    def find_billing_account_by_name(self, name: str) -> BillingAccount | None:
        return next((a for a in self.store.billing_accounts.values() if a.name == name), None)

    def billing_account(self, ref: str) -> BillingAccount:
        return self.find_billing_account_by_name(ref) or self.get_billing_account(ref.lower())

    def billing_accounts_administered_by(self, user_id: str) -> list[str]:
        return [a.billing_account_id for a in self.store.billing_accounts.values() if a.admin_user_id == user_id]

    def add_role_assignment(self, assignment: RoleAssignment, *, subscription_id: str, now: datetime) -> None:
        self.store.role_assignments.append({
            "assignment_id": assignment.assignment_id, "subscription_id": subscription_id.lower(), "scope": assignment.scope,
            "role": assignment.role.value, "principal_id": assignment.principal_id, "created_at": now})

    def role_assignments(self, *, subscription_id: str | None = None, principal_id: str | None = None) -> list[RoleAssignment]:
        rows = sorted(self.store.role_assignments, key=lambda r: (r["created_at"], r["assignment_id"]))
        return [RoleAssignment(r["assignment_id"], r["scope"], Role(r["role"]), r["principal_id"]) for r in rows
                if (subscription_id is None or r["subscription_id"] == subscription_id.lower())
                and (principal_id is None or r["principal_id"] == principal_id)]

    def subscriptions_with_assignments(self, principal_id: str) -> set[str]:
        return {r["subscription_id"] for r in self.store.role_assignments if r["principal_id"] == principal_id}

    def purge_role_assignments(self, subscription_ids: Iterable[str]) -> int:
        before, ids = len(self.store.role_assignments), {i.lower() for i in subscription_ids}
        self.store.role_assignments = [r for r in self.store.role_assignments if r["subscription_id"] not in ids]
        return before - len(self.store.role_assignments)


class FakeManagementGroupRepo:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def _id_of(self, group_key: str, tenant_id: str) -> str:
        if group_key == _key(tenant_id):
            return tenant_id
        row = self.store.groups.get(group_key)
        return row["group_id"] if row else group_key

    def _group(self, row: dict[str, Any], tenant_id: str) -> ManagementGroup:
        parent = tenant_id if row["parent_key"] == _key(tenant_id) else self._id_of(row["parent_key"], tenant_id)
        return ManagementGroup(row["group_id"], row["tenant_id"], row["display_name"], parent)

    # seeding
    def insert(self, group: ManagementGroup, *, now: datetime, by: str) -> None:
        self.store.groups[_key(group.group_id)] = {
            "group_id": group.group_id, "tenant_id": group.tenant_id, "display_name": group.display_name,
            "parent_key": _key(group.parent_id or group.tenant_id), "updated_at": now, "updated_by": by}

    def add_assignment(self, assignment_id: str, group_id: str, role: Role, principal_id: str, *, now: datetime) -> None:
        self.store.group_assignments.append({"assignment_id": assignment_id, "group_key": _key(group_id),
                                             "role": role.value, "principal_id": principal_id, "created_at": now})

    def save_settings(self, tenant_id: str, settings: HierarchySettings) -> None:
        self.store.hierarchy_settings[tenant_id] = settings

    # reads and the moves a cancel and a reactivation make
    def find(self, tenant_id: str, group_id: str) -> ManagementGroup | None:
        if _key(group_id) == _key(tenant_id):
            return root_of(tenant_id)
        row = self.store.groups.get(_key(group_id))
        return self._group(row, tenant_id) if row and row["tenant_id"] == tenant_id else None

    def all(self, tenant_id: str) -> list[ManagementGroup]:
        rows = [row for key, row in sorted(self.store.groups.items()) if row["tenant_id"] == tenant_id]
        return [root_of(tenant_id)] + [self._group(row, tenant_id) for row in rows]

    def parents(self, tenant_id: str) -> dict[str, str | None]:
        return {g.group_id: g.parent_id for g in self.all(tenant_id)}

    def settings(self, tenant_id: str) -> HierarchySettings:
        return self.store.hierarchy_settings.get(tenant_id, HierarchySettings())

    def placement(self, subscription_id: str, tenant_id: str) -> str:
        placed = self.store.placements.get(subscription_id)
        return tenant_id if placed is None else self._id_of(placed[0], tenant_id)

    def return_to(self, subscription_id: str) -> str | None:
        placed = self.store.placements.get(subscription_id)
        return None if placed is None else placed[1]

    def place(self, subscription_id: str, group_id: str, *, return_to: str | None = None) -> None:
        self.store.placements[subscription_id] = (_key(group_id), _key(return_to) if return_to else None)

    def placed_in(self, group_ids: list[str]) -> list[str]:
        keys = {_key(g) for g in group_ids}
        return sorted(sub for sub, (group, _) in self.store.placements.items() if group in keys)

    def assignments(self, *, principal_id: str | None = None, group_ids: list[str] | None = None) -> list[RoleAssignment]:
        keys = None if group_ids is None else {_key(g) for g in group_ids}
        rows = sorted(self.store.group_assignments, key=lambda r: (r["created_at"], r["assignment_id"]))
        return [RoleAssignment(r["assignment_id"], scope_of(self.store.groups.get(r["group_key"], {}).get("group_id")
                                                            or r["group_key"]), Role(r["role"]), r["principal_id"])
                for r in rows if (principal_id is None or r["principal_id"] == principal_id)
                and (keys is None or r["group_key"] in keys)]


class FakeJobRepo:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def schedule(self, *, kind: str, subject: str, due_at: datetime, payload: dict[str, Any] | None = None) -> None:
        key = f"{kind}|{subject}|{due_at.isoformat()}"
        existing = next((job for job in self.store.jobs if job["dedupe_key"] == key), None)
        if existing is None:
            self.store.jobs.append({"id": self.store.next_id("due_jobs"), "kind": kind, "subject": subject, "due_at": due_at,
                                    "status": PENDING, "dedupe_key": key, "payload": payload or {}, "attempts": 0,
                                    "last_error": None, "done_at": None, "done_by": None})
        elif existing["status"] == CANCELLED:  # revived, as the real upsert's ON CONFLICT ... WHERE cancelled
            existing.update(status=PENDING, attempts=0, last_error=None)

    def schedule_many(self, *, kind: str, subjects: Collection[str], due_at: datetime,
                      payload: dict[str, Any] | None = None) -> None:
        for subject in subjects:
            self.schedule(kind=kind, subject=subject, due_at=due_at, payload=payload)

    def cancel_pending_many(self, *, subjects: Collection[str], kinds: tuple[str, ...]) -> int:
        return sum(self.cancel_pending(subject=subject, kinds=kinds) for subject in subjects)

    def cancel_pending(self, *, subject: str, kinds: tuple[str, ...]) -> int:
        pending = [job for job in self.store.jobs if job["subject"] == subject and job["kind"] in kinds
                   and job["status"] == PENDING]
        for job in pending:
            job["status"] = CANCELLED
        return len(pending)

    def list(self, *, subject: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        return [dict(job) for job in sorted(self.store.jobs, key=lambda j: (j["due_at"], j["id"]))
                if (subject is None or job["subject"] == subject) and (status is None or job["status"] == status)]


class FakeActivityRepo:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def record(self, *, instant: datetime, actor: str, action: str, outcome: str, subscription_id: str | None = None,
               target: str | None = None, code: str | None = None, message: str | None = None,
               correlation_id: str | None = None, details: dict[str, Any] | None = None) -> None:
        self.store.activity.append({
            "id": self.store.next_id("activity"), "subscription_id": subscription_id, "instant": instant, "actor": actor,
            "action": action, "target": target, "outcome": outcome, "code": code, "message": message,
            "correlation_id": correlation_id, "details": copy.deepcopy(details or {})})

    def record_many(self, records: list[dict[str, Any]]) -> None:
        for record in records:
            self.record(**record)

    def list(self, *, subscription_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        rows = [dict(r) for r in reversed(self.store.activity) if subscription_id is None or r["subscription_id"] == subscription_id]
        return rows[:limit]

    def last_success(self, subscription_id: str, action: str) -> dict[str, Any] | None:
        return next((dict(r) for r in reversed(self.store.activity) if r["subscription_id"] == subscription_id
                     and r["action"] == action and r["outcome"] == "Succeeded"), None)


class FakeOutboxRepo:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def add(self, event: DomainEvent) -> None:
        self.add_many([event])

    def add_many(self, events: list[DomainEvent]) -> None:
        for e in events:
            self.store.outbox.append({"id": self.store.next_id("outbox"), "instant": e.time, "type": e.type,
                                      "subject": e.subject, "subscription_id": e.subscription_id,
                                      "data": copy.deepcopy(e.data)})

    def list(self, *, subscription_id: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        return [dict(r) for r in self.store.outbox if subscription_id is None or r["subscription_id"] == subscription_id][:limit]


# the unit of work --------------------------------------------------------------------------------
class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = DEFAULT_NOW) -> None:
        self.instant = now

    def now(self, conn: object = None) -> datetime:
        return self.instant

    def advance(self, delta: timedelta) -> datetime:
        self.instant += delta
        return self.instant


class FakeTransaction:
    """A transaction or a savepoint (``conn.begin_nested()``, as the due-job handlers take): a rollback puts the
    store back as it was when it began; a commit keeps what happened since."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.saved = store.snapshot()
        self.outcome: str | None = None

    def commit(self) -> None:
        self.outcome = "committed"

    def rollback(self) -> None:
        self.store.restore(self.saved)
        self.outcome = "rolled back"


class FakeConnection:
    """What services reach through ``uow.conn`` that a fake can honour: savepoints. Anything else (a repository
    built on the connection, SQL) raises AttributeError, so a test finds out when a use case goes around the
    unit of work's repositories."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def begin_nested(self) -> FakeTransaction:
        return FakeTransaction(self.store)

    def close(self) -> None:
        pass


class FakeUnitOfWork(UnitOfWork):
    """The real unit of work over the fake store: ``now``, ``emit``, ``after_commit``, ``after_rollback`` and the
    commit-or-rollback of ``__exit__`` (callbacks after it, their failures logged) are ``UnitOfWork``'s own code;
    only the connection, the transaction and the repositories are fakes."""

    def __init__(self, store: FakeStore, clock: FakeClock, *, correlation_id: str | None = None,
                 read_only: bool = False) -> None:
        super().__init__(None, clock, correlation_id=correlation_id, read_only=read_only)  # type: ignore[arg-type]
        self.store = store

    def __enter__(self) -> FakeUnitOfWork:
        self.conn = FakeConnection(self.store)  # type: ignore[assignment]
        self._transaction = FakeTransaction(self.store)  # type: ignore[assignment]
        self._now = None
        self.subscriptions = FakeSubscriptionRepo(self.store)  # type: ignore[assignment]
        self.resources = FakeResourceRepo(self.store)  # type: ignore[assignment]
        self.directory = FakeDirectoryRepo(self.store)  # type: ignore[assignment]
        self.activity = FakeActivityRepo(self.store)  # type: ignore[assignment]
        self.outbox = FakeOutboxRepo(self.store)  # type: ignore[assignment]
        self.jobs = FakeJobRepo(self.store)  # type: ignore[assignment]
        self.blobs = FakeBlobRepo(self.store)  # type: ignore[assignment]
        self.management_groups = FakeManagementGroupRepo(self.store)  # type: ignore[assignment]
        return self

    @property
    def committed(self) -> bool | None:
        """None while open (or never entered); then whether it committed."""
        transaction = getattr(self, "_transaction", None)
        return None if transaction is None or transaction.outcome is None else transaction.outcome == "committed"


class FakeUowFactory:
    """``UowFactory`` over one store and one clock; ``opened`` lists every unit of work it made, in order."""

    def __init__(self, store: FakeStore, clock: FakeClock) -> None:
        self.store = store
        self.clock = clock
        self.opened: list[FakeUnitOfWork] = []

    def __call__(self, *, correlation_id: str | None = None, read_only: bool = False) -> FakeUnitOfWork:
        uow = FakeUnitOfWork(self.store, self.clock, correlation_id=correlation_id, read_only=read_only)
        self.opened.append(uow)
        return uow


def fake_uow_factory(*, now: datetime | FakeClock = DEFAULT_NOW, seed: Callable[[Any], None] | None = None,
                     store: FakeStore | None = None) -> FakeUowFactory:
    """A fresh store (or ``store``), a clock standing at ``now``, and ``seed(uow)`` run in a first, committed
    unit of work (the same seed function runs on a real ``App.uow``: the contract tests do that)."""
    factory = FakeUowFactory(store or FakeStore(), now if isinstance(now, FakeClock) else FakeClock(now))
    if seed is not None:
        with factory() as uow:
            seed(uow)
        factory.opened.clear()
    return factory


# the one read behind the unit of work's back -------------------------------------------------------
class FakeBillingRoleRepo:
    """``services.access`` reads billing-account roles with ``BillingRoleRepo(uow.conn)``, not through a repository
    of the unit of work; a test of ``create`` swaps this in (``monkeypatch``), reading the fake connection's store."""

    def __init__(self, conn: FakeConnection) -> None:
        self.store = conn.store

    def roles_of(self, billing_account_id: str, principal_id: str) -> set[str]:
        return {role for account, principal, role in self.store.billing_roles
                if account == billing_account_id and principal == principal_id}


# the Protocols of services/hooks.py ----------------------------------------------------------------
class FakeMetering:
    """``MeteringHooks``: records each call in ``calls`` (every call, also those whose transaction rolled back)
    and in the store's ``hooks`` (what a committed transaction kept). As the real one, it refuses a subscription
    on an account whose currency it cannot bill (``currencies``) and says whether a purged subscription's final
    invoice is still to come (``invoice_pending``)."""

    def __init__(self, *, currencies: Iterable[str] = ("EUR", "USD"), invoice_pending: bool = False) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.currencies = set(currencies)
        self.invoice_pending = invoice_pending

    def _record(self, uow: FakeUnitOfWork, *call: Any) -> None:
        self.calls.append(call)
        uow.store.hooks.append(("metering", *call))

    def subscription_created(self, uow: FakeUnitOfWork, sub: Subscription) -> None:
        self._record(uow, "subscription_created", sub.subscription_id)
        currency = uow.directory.get_billing_account(sub.billing_account_id).currency
        if currency not in self.currencies:
            raise InvalidInput("UnsupportedCurrency", f"The price list has no prices in {currency}.", currency=currency)

    def state_changed(self, uow: FakeUnitOfWork, before: Subscription, after: Subscription) -> None:
        self._record(uow, "state_changed", before.subscription_id, before.state, after.state)

    def resources_added(self, uow: FakeUnitOfWork, subscription_id: str, resources: list[Resource | None]) -> None:
        self._record(uow, "resources_added", subscription_id, len(resources))

    def sync(self, uow: FakeUnitOfWork, subscription_id: str, *, sub: Subscription | None = None) -> None:
        self._record(uow, "sync", subscription_id)

    def sync_stored_bytes(self, uow: FakeUnitOfWork, account: Resource) -> None:
        self._record(uow, "sync_stored_bytes", account.subscription_id)

    def forget(self, uow: FakeUnitOfWork, subscription_ids: list[str]) -> set[str]:
        for subscription_id in subscription_ids:
            self._record(uow, "forget", subscription_id)
        return set(subscription_ids) if self.invoice_pending else set()


@dataclass(frozen=True)
class FakeEstimate:
    """What ``cancel_figures`` answers: enough to tell which subscription, in which state, it was asked about."""

    subscription_id: str
    state: State


class FakeBilling:
    """``BillingHooks``: accounts in ``without_card`` are refused a card-needing offer as billing refuses them;
    ``support_plans`` holds the active plan per subscription (``{"plan", "autoRenew"}``)."""

    def __init__(self, *, without_card: Iterable[str] = (), support_plans: dict[str, dict[str, Any]] | None = None) -> None:
        self.without_card = set(without_card)
        self.support_plans = dict(support_plans or {})
        self.calls: list[tuple[Any, ...]] = []

    def require_payment_method(self, uow: FakeUnitOfWork, billing_account_id: str, offer: Any) -> None:
        self.calls.append(("require_payment_method", billing_account_id, offer.offer_id))
        if billing_account_id in self.without_card and needs_payment_method(offer):
            raise Conflict("PaymentMethodRequired", f"The billing account has no card on file, and {offer.name} has no "
                                                    "credit to start on.", offer_id=offer.offer_id)

    def cancel_figures(self, uow: FakeUnitOfWork, sub: Subscription) -> FakeEstimate:
        self.calls.append(("cancel_figures", sub.subscription_id, sub.state))
        return FakeEstimate(sub.subscription_id, sub.state)

    def set_support_auto_renew(self, uow: FakeUnitOfWork, subscription_id: str, auto_renew: bool | None) -> dict[str, Any] | None:
        self.calls.append(("set_support_auto_renew", subscription_id, auto_renew))
        plan = self.support_plans.get(subscription_id)
        if plan is None:
            return None
        kept = {**plan, "autoRenew": plan["autoRenew"] if auto_renew is None else auto_renew}
        uow.store.hooks.append(("billing", "support_auto_renew", subscription_id, kept["autoRenew"]))
        return kept


# what Transitions needs besides the unit of work ----------------------------------------------------
class FakeBlobStore:
    """A blob store that cannot join a transaction (like files or S3): a purge removes the bytes after the commit."""

    transactional = False

    def __init__(self) -> None:
        self.removed: list[str] = []

    def remove_subscription(self, conn: object, subscription_id: str) -> None:
        self.removed.append(subscription_id)


class FakeForgetting:
    """``Forgetting.forget`` without the SQL scrubbing (tested on the real database in tests/integration): the
    record as it is kept, asking metering whether the final invoice still needs the name, as the real one does."""

    def __init__(self, metering: FakeMetering) -> None:
        self.metering = metering

    def forget(self, uow: FakeUnitOfWork, subs: list[Subscription]) -> list[Subscription]:
        pending = self.metering.forget(uow, [sub.subscription_id for sub in subs])
        return [kept_record(sub, invoice_pending=sub.subscription_id in pending) for sub in subs]
