"""Directory use cases: tenants, users, service principals, billing accounts, role assignments."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from ..adapters.db.directory_repo import BillingAccount, DirectoryObject
from ..adapters.passwords import hash_secret, verify_secret
from ..domain.access import OPERATOR, Action, Principal, PrincipalKind, Role, RoleAssignment
from ..domain.errors import DomainError, Forbidden, InvalidInput, NotFound
from ..domain.lockout import CLIENT, USER
from ..domain.offers import OfferCatalogue
from .access import require
from .lockout import LockoutService
from .unit_of_work import UnitOfWork, UowFactory
from .use_case import use_case


class DirectoryService:
    def __init__(self, uow: UowFactory, offers: OfferCatalogue, lockout: LockoutService) -> None:
        self.uow = uow
        self.offers = offers
        self.lockout = lockout

    def principal(self, name: str | None) -> Principal:
        """The principal called ``name``; without a name, the local operator."""
        if not name:
            return OPERATOR
        with self.uow(read_only=True) as uow:
            return uow.directory.find_principal(name)

    def display_name(self, upn: str) -> str:
        """The display name of the user with this user principal name (any case); the name itself if none."""
        with self.uow(read_only=True) as uow:
            for user in uow.directory.list_users():
                if user.get("user_principal_name", "").lower() == upn.lower():
                    return str(user.get("display_name") or upn)
        return upn

    def authenticate_user(self, upn: str, password: str) -> Principal:
        """The user with this password, through the lockout the token endpoint's password grant shares."""
        return self._authenticate(USER, upn, password, lambda uow: uow.directory.user_credential(upn),
                                  lambda: Forbidden("InvalidCredentials", "The user name or password is incorrect."))

    def authenticate_client(self, client_id: str, secret: str) -> Principal:
        return self._authenticate(CLIENT, client_id, secret,
                                  lambda uow: uow.directory.service_principal_credential(client_id),
                                  lambda: Forbidden("InvalidClientSecret", "The client id or secret is incorrect."))

    def _authenticate(self, kind: str, name: str, secret: str, stored_for: Callable[[UnitOfWork], Any],
                      refusal: Callable[[], DomainError]) -> Principal:
        def check() -> Principal:
            with self.uow(read_only=True) as uow:
                stored = stored_for(uow)
            if stored is None or not verify_secret(stored.secret_hash, secret):
                raise refusal()
            principal: Principal = stored.principal
            return principal

        return self.lockout.checked(kind, name, check)

    # what Microsoft Graph reads: the caller's own tenant only --------------------------------------
    def directory_objects(self, actor: Principal, object_ids: list[str]) -> list[DirectoryObject]:
        """``directoryObjects/getByIds``: the users and service principals among ``object_ids``."""
        with self.uow(read_only=True) as uow:
            tenant_id = uow.directory.principal_tenant(actor.principal_id)
            return uow.directory.directory_objects(tenant_id, object_ids) if tenant_id else []

    def users(self, actor: Principal, *, prefix: dict[str, str] | None = None, **equal: str) -> list[DirectoryObject]:
        """The users of the caller's tenant whose properties (``USER_KEYS``) equal the values given (or start
        with the ``prefix`` ones)."""
        return self._in_home(actor, lambda uow, tenant: uow.directory.users_in(tenant, prefix=prefix, **equal))

    def service_principals(self, actor: Principal, *, prefix: dict[str, str] | None = None,
                           **equal: str) -> list[DirectoryObject]:
        return self._in_home(actor, lambda uow, tenant: uow.directory.service_principals_in(tenant, prefix=prefix,
                                                                                             **equal))

    def user(self, actor: Principal, ref: str) -> DirectoryObject:
        """A user of the caller's tenant by object id or user principal name."""
        found = self.users(actor, userPrincipalName=ref) if "@" in ref else self.users(actor, id=ref)
        return self._one(found, ref)

    def me(self, actor: Principal) -> DirectoryObject:
        if actor.kind is not PrincipalKind.USER:
            raise InvalidInput("DelegatedOnly", "/me request is only valid with delegated authentication flow.")
        return self.user(actor, actor.principal_id)

    def service_principal(self, actor: Principal, object_id: str) -> DirectoryObject:
        return self._one(self.service_principals(actor, id=object_id), object_id)

    def organization(self, actor: Principal) -> list[dict[str, Any]]:
        """The caller's tenant (Graph's ``organization``); nothing for a principal the directory no longer has."""
        return self._in_home(actor, lambda uow, tenant: [uow.directory.find_tenant(tenant)])

    def _in_home(self, actor: Principal, read: Callable[[UnitOfWork, str], list[Any]]) -> list[Any]:
        with self.uow(read_only=True) as uow:
            tenant_id = uow.directory.principal_tenant(actor.principal_id)
            return read(uow, tenant_id) if tenant_id else []

    @staticmethod
    def _one(found: list[DirectoryObject], ref: str) -> DirectoryObject:
        if not found:
            raise NotFound("DirectoryObjectNotFound", f"Resource '{ref}' does not exist or one of its queried "
                                                      "reference-property objects are not present.")
        return found[0]

    def create_tenant(self, uow: UnitOfWork, *, name: str, domain: str, tenant_id: str | None = None) -> str:
        tenant_id = tenant_id or str(uuid.uuid4())
        uow.directory.add_tenant(tenant_id, name, domain)
        return tenant_id

    def create_user(self, uow: UnitOfWork, *, tenant_id: str, upn: str, display_name: str, password: str,
                    password_hash: str | None = None) -> str:
        """``password_hash``: an argon2 hash of ``password`` the caller already holds (the demo's published
        password: ``demo.DEMO_PASSWORD_HASH``), stored instead of hashing again; the caller answers for the pair."""
        if "@" not in upn:
            raise InvalidInput("InvalidUserPrincipalName", f"{upn!r} is not a user principal name (name@domain).")
        if len(password) < 8:
            raise InvalidInput("PasswordTooShort", "A password must be at least 8 characters long.")
        user_id = str(uuid.uuid4())
        uow.directory.add_user(user_id=user_id, tenant_id=tenant_id, upn=upn, display_name=display_name,
                               password_hash=password_hash or hash_secret(password))
        return user_id

    def create_service_principal(self, uow: UnitOfWork, *, tenant_id: str, name: str, secret: str) -> tuple[str, str]:
        object_id, client_id = str(uuid.uuid4()), str(uuid.uuid4())
        uow.directory.add_service_principal(object_id=object_id, tenant_id=tenant_id, name=name,
                                            client_id=client_id, secret_hash=hash_secret(secret))
        return object_id, client_id

    def create_billing_account(self, uow: UnitOfWork, *, name: str, currency: str, country: str, language: str,
                               admin_user_id: str) -> str:
        account_id = str(uuid.uuid4())
        uow.directory.add_billing_account(BillingAccount(account_id, name, currency.upper(), country.upper(),
                                                         language.lower(), admin_user_id))
        return account_id

    def assign_role(self, *, actor: Principal, subscription: str, principal_id: str, role: Role,
                    scope: str | None = None, correlation_id: str | None = None) -> RoleAssignment:
        with use_case(self.uow, "assignRole", actor=actor, target=subscription, correlation_id=correlation_id) as case:
            uow = case.uow
            sub = case.subscription(subscription)
            target = scope or sub.resource_id
            if not target.lower().startswith(sub.resource_id.lower()):
                raise InvalidInput("InvalidScope", f"Scope {target!r} is not inside subscription {sub.subscription_id}.")
            require(uow, self.offers, actor, sub, Action.ASSIGN_ROLES, target)
            assignment = RoleAssignment(str(uuid.uuid4()), target, role, principal_id)
            uow.directory.add_role_assignment(assignment, subscription_id=sub.subscription_id, now=uow.now)
            case.succeeded(target=target, details={"role": role.value, "principalId": principal_id})
            return assignment
