"""Microsoft.Subscription/aliases (azure-mgmt-subscription 2021-10-01): create (LRO), get, list, delete.

The alias service creates the subscription through the core's create. A new alias answers 201 with
polling headers whose first poll says Succeeded; a repeat PUT answers 200 with the stored alias. The
list is not paged (the SDK reads one ``SubscriptionAliasListResult`` and follows no nextLink).
"""

from __future__ import annotations

from ...domain.access import PrincipalKind
from ...domain.management_groups import scope_of
from ...domain.tags import stored_tags
from ...services.aliases import AliasRequest, AliasState, alias_id
from .routing import ArmRequest, ArmResponse, ArmRouter, lro
from .schemas import AliasAdditionalProperties, AliasBody

_AREA = "subscription-actions"
_TYPE = "Microsoft.Subscription/aliases"
_ALIASES = "/providers/Microsoft.Subscription/aliases"


def _iso(instant) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def render(state: AliasState) -> dict:
    """The spec types every property as a string, none nullable: an absent one is left out, never null."""
    a = state.alias
    created_by_type = "Application" if a.created_by_kind == PrincipalKind.SERVICE_PRINCIPAL.value else "User"
    properties = {
        "subscriptionId": a.subscription_id, "displayName": a.display_name,
        "provisioningState": state.provisioning_state, "acceptOwnershipState": "Completed",
        "billingScope": a.billing_scope, "workload": a.workload, "subscriptionOwnerId": a.owner_id,
        "createdTime": _iso(a.created_at), "tags": stored_tags(a.tags),
        "managementGroupId": scope_of(state.management_group) if state.management_group else None,
    }
    return {
        "id": alias_id(a.name), "name": a.name, "type": _TYPE,
        "properties": {k: v for k, v in properties.items() if v is not None},
        "systemData": {"createdBy": a.created_by, "createdByType": created_by_type, "createdAt": _iso(a.created_at),
                       "lastModifiedBy": a.created_by, "lastModifiedByType": created_by_type,
                       "lastModifiedAt": _iso(a.created_at)},
    }


def _request(ctx: ArmRequest) -> AliasRequest:
    properties = ctx.model.properties
    extra = properties.additionalProperties or AliasAdditionalProperties()
    return AliasRequest(name=ctx.params["alias"], display_name=properties.displayName,
                        billing_scope=properties.billingScope, workload=properties.workload,
                        owner_id=extra.subscriptionOwnerId, tags=extra.tags or {},
                        existing_subscription_id=properties.subscriptionId,
                        management_group_id=extra.managementGroupId)


def register(router: ArmRouter) -> None:
    @router.route("PUT", _ALIASES + "/{alias}", area=_AREA, resource_type=_TYPE, body=AliasBody)
    def create(ctx: ArmRequest):
        state, created = ctx.app.management.aliases.create(actor=ctx.actor, request=_request(ctx))
        if not created:
            return render(state)
        return lro(ctx, "Alias_Create", 201, render(state), subscription=state.alias.subscription_id)

    @router.route("GET", _ALIASES + "/{alias}", area=_AREA, resource_type=_TYPE)
    def get(ctx: ArmRequest):
        return render(ctx.app.management.aliases.get(actor=ctx.actor, name=ctx.params["alias"]))

    @router.route("GET", _ALIASES, area=_AREA, resource_type=_TYPE)
    def list_aliases(ctx: ArmRequest):
        return {"value": [render(s) for s in ctx.app.management.aliases.list(actor=ctx.actor)]}

    @router.route("DELETE", _ALIASES + "/{alias}", area=_AREA, resource_type=_TYPE)
    def delete(ctx: ArmRequest):
        deleted = ctx.app.management.aliases.delete(actor=ctx.actor, name=ctx.params["alias"])
        return ArmResponse(200) if deleted else ArmResponse(204)
