"""Microsoft.Storage: checkNameAvailability, storage accounts (create LRO, get, lists, patch, delete), keys."""

from __future__ import annotations

from ...domain.resources import ResourceType
from . import lookup
from . import render_resources as render
from .errors import location_given
from .routing import ArmRequest, ArmResponse, ArmRouter, lro, page
from .schemas import CheckNameBody, RegenerateKeyBody, Sku, StoragePutBody, TagsBody

_AREA, _TYPE = "storage", ResourceType.STORAGE_ACCOUNT.value
_ACCOUNTS = "/providers/Microsoft.Storage/storageAccounts"
_ACCOUNT = "/subscriptions/{sub}/resourceGroups/{rg}" + _ACCOUNTS + "/{name}"
_REASONS = {
    "AccountNameInvalid": "{name} is not a valid storage account name. Storage account name must be between 3 and 24 "
                          "characters in length and use numbers and lower-case letters only.",
    "AlreadyExists": "The storage account named {name} is already taken.",
}


def _keys(ctx: ArmRequest, regenerate: str | None = None) -> dict:
    account = lookup.get(ctx, ResourceType.STORAGE_ACCOUNT)
    keys = ctx.app.management.storage_keys(actor=ctx.actor, account_id=account.resource_id, regenerate=regenerate)
    created = account.created_at.isoformat().replace("+00:00", "Z")
    return {"keys": [{"keyName": name, "value": value, "permissions": "FULL", "creationTime": created}
                     for name, value in keys]}


def register(router: ArmRouter) -> None:
    @router.route("POST", "/subscriptions/{sub}/providers/Microsoft.Storage/checkNameAvailability", area=_AREA,
                  resource_type=_TYPE, body=CheckNameBody)
    def check_name(ctx: ArmRequest):
        ctx.app.subscriptions.get(actor=ctx.actor, ref=ctx.params["sub"])
        name = ctx.model.name or ""
        available, reason = ctx.app.management.storage_name_available(name)
        body: dict = {"nameAvailable": available}
        if reason:
            body.update(reason=reason, message=_REASONS[reason].format(name=name))
        return body

    @router.route("GET", "/subscriptions/{sub}" + _ACCOUNTS, area=_AREA, resource_type=_TYPE)
    def list_all(ctx: ArmRequest):
        return page(ctx, [render.storage_account(a, ctx.base_url) for a in lookup.listed(ctx, ResourceType.STORAGE_ACCOUNT)])

    @router.route("GET", "/subscriptions/{sub}/resourceGroups/{rg}" + _ACCOUNTS, area=_AREA, resource_type=_TYPE)
    def list_in_group(ctx: ArmRequest):
        accounts = lookup.listed(ctx, ResourceType.STORAGE_ACCOUNT, in_group=True)
        return page(ctx, [render.storage_account(a, ctx.base_url) for a in accounts])

    @router.route("GET", _ACCOUNT, area=_AREA, resource_type=_TYPE)
    def get(ctx: ArmRequest):
        return render.storage_account(lookup.get(ctx, ResourceType.STORAGE_ACCOUNT), ctx.base_url)

    @router.route("PUT", _ACCOUNT, area=_AREA, resource_type=_TYPE, body=StoragePutBody)
    def create(ctx: ArmRequest):
        body = ctx.model
        existing = lookup.find(ctx, ResourceType.STORAGE_ACCOUNT)
        if existing is not None:
            account = ctx.app.management.touch(actor=ctx.actor, resource_id=existing.resource_id, tags=body.tags)
            return render.storage_account(account, ctx.base_url)
        ctx.app.resources.create_storage_account(
            actor=ctx.actor, subscription=ctx.params["sub"], group=ctx.params["rg"], name=ctx.params["name"],
            sku=(body.sku or Sku()).name or "Standard_LRS", location=location_given(body.location), tags=body.tags)
        return lro(ctx, "StorageAccounts_Create", 202)

    @router.route("PATCH", _ACCOUNT, area=_AREA, resource_type=_TYPE, body=TagsBody)
    def update(ctx: ArmRequest):
        account = lookup.get(ctx, ResourceType.STORAGE_ACCOUNT)
        account = ctx.app.management.touch(actor=ctx.actor, resource_id=account.resource_id, tags=ctx.model.tags)
        return render.storage_account(account, ctx.base_url)

    @router.route("DELETE", _ACCOUNT, area=_AREA, resource_type=_TYPE)
    def delete(ctx: ArmRequest):
        account = lookup.find(ctx, ResourceType.STORAGE_ACCOUNT)
        if account is None:
            return ArmResponse(204)
        ctx.app.resources.delete(actor=ctx.actor, ref=account.resource_id)
        return ArmResponse(200)

    @router.route("POST", _ACCOUNT + "/listKeys", area=_AREA, resource_type=_TYPE)
    def list_keys(ctx: ArmRequest):
        return _keys(ctx)

    @router.route("POST", _ACCOUNT + "/regenerateKey", area=_AREA, resource_type=_TYPE, body=RegenerateKeyBody)
    def regenerate_key(ctx: ArmRequest):
        return _keys(ctx, ctx.model.keyName or "")


