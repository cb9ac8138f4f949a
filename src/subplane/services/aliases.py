"""Microsoft.Subscription aliases: create a subscription under a name unique in its tenant, read, list, delete the name.

Creating goes through ``SubscriptionService.create_in`` (its access rule and guards) in the same
transaction as the alias row, which is inserted first: a second PUT of the same name, even one racing
the first, waits on the name and then answers with the same subscription; a refused or failed create
leaves neither. A repeat PUT needs the right to write the alias (its creator, or whoever may create
subscriptions on its billing account). Deleting an alias keeps the subscription.

Decisions (docs/architecture.md, ARM API): ``billingScope`` names a Subplane billing account as
``[/providers/Microsoft.Billing]/billingAccounts/{id or name}[/...]`` (deeper segments such as
billing profiles or invoice sections are kept as given but not modelled); ``workload`` picks the offer.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from ..adapters.db.arm_repo import Alias, AliasRepo, SubscriptionTagRepo
from ..adapters.db.directory_repo import BillingAccount
from ..domain.access import Principal
from ..domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from ..domain.lifecycle import require_display_name
from ..domain.tags import validate_tags
from .access import may_create_on, require_create, visible_subscription_ids
from .subscriptions import SubscriptionService
from .unit_of_work import UnitOfWork, UowFactory
from .use_case import use_case

# workload (lower-cased) -> (the spelling ARM answers with, the offer a subscription of it gets)
WORKLOAD_OFFERS = {"production": ("Production", "MS-AZR-0003P"), "devtest": ("DevTest", "MS-AZR-0023P")}
SUCCEEDED, ACCEPTED = "Succeeded", "Accepted"
_ALIAS_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._()-]{0,127}$")
_BILLING_SCOPE = re.compile(r"^(?:/providers/Microsoft\.Billing)?/billingAccounts/([^/]+)(?:/.*)?$", re.IGNORECASE)


def alias_id(name: str) -> str:
    return f"/providers/Microsoft.Subscription/aliases/{name}"


@dataclass(frozen=True)
class AliasState:
    alias: Alias
    provisioning_state: str
    management_group: str | None = None  # the group its subscription sits in, when not the tenant root group


@dataclass(frozen=True)
class AliasRequest:
    name: str
    display_name: str | None
    billing_scope: str | None
    workload: str | None = None
    owner_id: str | None = None
    tags: dict[str, Any] | None = None
    existing_subscription_id: str | None = None
    management_group_id: str | None = None  # additionalProperties.managementGroupId: where the subscription starts


def workload_offer(workload: str | None) -> tuple[str, str]:
    found = WORKLOAD_OFFERS.get((workload or "Production").lower())
    if found is None:
        raise InvalidInput("InvalidWorkload", f"workload must be Production or DevTest, not {workload!r}.")
    return found


class AliasService:
    def __init__(self, uow: UowFactory, subscriptions: SubscriptionService) -> None:
        self.uow = uow
        self.subscriptions = subscriptions

    # reads -------------------------------------------------------------------------------------
    def get(self, *, actor: Principal, name: str) -> AliasState:
        with self.uow(read_only=True) as uow:
            alias = AliasRepo(uow.conn).find(self._tenant(uow, actor), name)
            if alias is None or not self._may_see(uow, actor, alias, visible_subscription_ids(uow, actor)):
                raise NotFound("AliasNotFound", f"The subscription alias '{name}' could not be found.")
            return self._state(uow, alias)

    def list(self, *, actor: Principal) -> list[AliasState]:
        with self.uow(read_only=True) as uow:
            visible = visible_subscription_ids(uow, actor)
            aliases = AliasRepo(uow.conn).list(self._tenant(uow, actor))
            return [self._state(uow, a) for a in aliases if self._may_see(uow, actor, a, visible)]

    # create ------------------------------------------------------------------------------------
    def create(self, *, actor: Principal, request: AliasRequest) -> tuple[AliasState, bool]:
        """Returns (alias, created); a repeat of an existing alias returns it unchanged."""
        self._validate(request)
        try:
            return self._create(actor, request)
        except IntegrityError:  # a concurrent PUT of the same name committed first: answer with that one
            return self._create(actor, request)
    @staticmethod
    def _validate(request: AliasRequest) -> None:
        if not isinstance(request.name, str) or not _ALIAS_NAME.fullmatch(request.name):
            raise InvalidInput("InvalidAliasName", f"Alias name {request.name!r} is not valid: use 1-128 letters, "
                                                   "digits, '.', '_', '-', '(' or ')', starting with a letter or digit.")
        if request.existing_subscription_id:
            raise InvalidInput("AliasForExistingSubscriptionNotSupported",
                               "Subplane creates a new subscription for an alias; 'subscriptionId' is not supported.")
        if not request.display_name:
            raise InvalidInput("DisplayNameRequired", "The request must contain properties.displayName.")
        require_display_name(request.display_name)
        if not request.billing_scope:
            raise InvalidInput("InvalidBillingScope", "The request must contain properties.billingScope.")
        workload_offer(request.workload)

    def _create(self, actor: Principal, request: AliasRequest) -> tuple[AliasState, bool]:
        """The alias and its subscription in one transaction: both exist, or neither does."""
        with use_case(self.uow, "createAlias", actor=actor, target=request.name) as case:
            uow = case.uow
            repo = AliasRepo(uow.conn)
            tenant, account = self._tenant(uow, actor), None
            if tenant is None:  # the operator: the alias lives in the tenant of the billing account it names
                account = self._billing_account(uow, request.billing_scope)
                tenant = uow.directory.user_tenant(account.admin_user_id)
            found = repo.find(tenant, request.name)
            if found is not None:
                if not self._may_see(uow, actor, found, visible_subscription_ids(uow, actor)):
                    raise Conflict("AliasAlreadyExists", f"The alias name '{request.name}' is taken; choose another.")
                if not self._may_manage(uow, actor, found):
                    raise self._refusal(actor, found, "write")
                return self._state(uow, found), False
            account = account or self._billing_account(uow, request.billing_scope)
            require_create(uow, actor, account)
            workload, offer_id = workload_offer(request.workload)
            owner = self._owner(uow, request.owner_id, account) if request.owner_id else (
                account.admin_user_id if actor.is_privileged else actor.principal_id)
            alias = Alias(tenant_id=tenant, name=request.name, subscription_id=str(uuid.uuid4()),
                          billing_account_id=account.billing_account_id, billing_scope=request.billing_scope or "",
                          workload=workload, display_name=(request.display_name or "").strip(), owner_id=owner,
                          created_by_id=actor.principal_id, created_by=actor.name, created_by_kind=actor.kind.value,
                          created_at=uow.now, tags=validate_tags(request.tags or {}))
            repo.add(alias)  # first: a racing PUT of the same name waits here on the primary key
            self.subscriptions.create_in(uow, actor=actor, display_name=alias.display_name,
                                             billing_account_id=alias.billing_account_id, offer_id=offer_id,
                                             owner_id=alias.owner_id, subscription_id=alias.subscription_id,
                                             management_group=request.management_group_id)
            SubscriptionTagRepo(uow.conn).set(alias.subscription_id, alias.tags)  # the new subscription's tags
            case.about(alias.subscription_id)
            case.succeeded(target=alias_id(alias.name),
                           details={"workload": workload, "billingScope": alias.billing_scope})
            return self._state(uow, alias), True

    @staticmethod
    def _refusal(actor: Principal, alias: Alias, verb: str) -> Forbidden:
        return Forbidden("AuthorizationFailed", f"The client '{actor.name}' may not {verb} the alias '{alias.name}'.",
                         action=f"Microsoft.Subscription/aliases/{verb}", scope=alias_id(alias.name),
                         principal=actor.name, principal_id=actor.principal_id)

    # delete ------------------------------------------------------------------------------------
    def delete(self, *, actor: Principal, name: str) -> bool:
        """Removes the alias only; False when there was none (visible to the caller)."""
        with use_case(self.uow, "deleteAlias", actor=actor, target=name) as case:
            uow = case.uow
            repo = AliasRepo(uow.conn)
            alias = repo.find(self._tenant(uow, actor), name)
            if alias is None or not self._may_see(uow, actor, alias, visible_subscription_ids(uow, actor)):
                return False
            if not self._may_manage(uow, actor, alias):
                raise self._refusal(actor, alias, "delete")
            repo.delete(alias)
            case.about(alias.subscription_id)
            case.succeeded(target=alias_id(alias.name))
            return True

    # helpers -----------------------------------------------------------------------------------
    @staticmethod
    def _tenant(uow: UnitOfWork, actor: Principal) -> str | None:
        """Alias names are unique per tenant: the caller's (``None`` for the operator: every tenant)."""
        return None if actor.is_privileged else uow.directory.principal_tenant(actor.principal_id)

    @staticmethod
    def _billing_account(uow: UnitOfWork, scope: str | None) -> BillingAccount:
        match = _BILLING_SCOPE.match((scope or "").strip())
        if match is None:
            raise InvalidInput("InvalidBillingScope",
                               f"Billing scope {scope!r} is not valid: use /providers/Microsoft.Billing/billingAccounts/{{id}}.")
        try:
            return uow.directory.billing_account(match.group(1))
        except NotFound:
            raise InvalidInput("InvalidBillingScope", f"Billing scope {scope!r} names no known billing account.",
                               billing_scope=scope) from None

    @staticmethod
    def _owner(uow: UnitOfWork, owner_id: str, account: BillingAccount) -> str:
        """``subscriptionOwnerId`` must be a user or service principal of the tenant the subscription joins."""
        if uow.directory.principal_tenant(owner_id) != uow.directory.user_tenant(account.admin_user_id):
            raise InvalidInput("InvalidSubscriptionOwnerId",
                               f"subscriptionOwnerId {owner_id!r} is no user or service principal of the "
                               "billing account's tenant.", subscription_owner_id=owner_id)
        return owner_id.lower()

    def _may_manage(self, uow: UnitOfWork, actor: Principal, alias: Alias) -> bool:
        if actor.is_privileged or actor.principal_id == alias.created_by_id:
            return True
        return may_create_on(uow, actor, uow.directory.get_billing_account(alias.billing_account_id))

    def _may_see(self, uow: UnitOfWork, actor: Principal, alias: Alias, visible: set[str] | None) -> bool:
        if visible is None or alias.subscription_id in visible:
            return True
        return self._may_manage(uow, actor, alias)

    @staticmethod
    def _state(uow: UnitOfWork, alias: Alias) -> AliasState:
        try:
            sub = uow.subscriptions.get(alias.subscription_id)
        except NotFound:
            return AliasState(alias, ACCEPTED)
        placed = uow.management_groups.placement(sub.subscription_id, sub.tenant_id)
        return AliasState(alias, SUCCEEDED, None if placed == sub.tenant_id else placed)
