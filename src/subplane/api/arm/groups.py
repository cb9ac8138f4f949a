"""Microsoft.Resources: resource groups, generic resource lists, providers."""

from __future__ import annotations

import re

from ...domain.errors import NotFound
from . import lookup
from . import render_resources as render
from .errors import ArmError, location_given
from .routing import ArmRequest, ArmResponse, ArmRouter, lro, page
from .schemas import GroupPutBody, TagsBody

_RG = "/subscriptions/{sub}/resourcegroups/{rg}"
_AREA = "resources"
_TAG_FILTER = re.compile(r"tagname\s+eq\s+'([^']*)'(?:\s+and\s+tagvalue\s+eq\s+'([^']*)')?", re.IGNORECASE)
_GROUP_FILTER = re.compile(r"resourcegroup\s+eq\s+'([^']*)'", re.IGNORECASE)
_TYPE_FILTER = re.compile(r"resourcetype\s+eq\s+'([^']*)'", re.IGNORECASE)
PROVIDERS = {
    "Microsoft.Compute": ["virtualMachines", "disks", "locations"],
    "Microsoft.Network": ["publicIPAddresses", "networkInterfaces", "virtualNetworks"],
    "Microsoft.Storage": ["storageAccounts", "checkNameAvailability"],
    "Microsoft.Authorization": ["roleAssignments", "roleDefinitions", "classicAdministrators"],
    "Microsoft.Resources": ["resourceGroups", "subscriptions", "tenants", "operationresults"],
    "Microsoft.Subscription": ["aliases", "cancel", "enable", "rename", "operations"],
    "Microsoft.Management": ["managementGroups", "getEntities"],
    "Microsoft.Insights": ["eventtypes"],
    "Microsoft.CostManagement": ["query"],
    "Microsoft.Billing": ["billingAccounts"],
}


def _provider(sub: str, namespace: str, types: list[str]) -> dict:
    return {"id": f"/subscriptions/{sub}/providers/{namespace}", "namespace": namespace,
            "registrationState": "Registered", "registrationPolicy": "RegistrationRequired",
            "resourceTypes": [{"resourceType": t, "locations": ["West Europe", "North Europe", "East US"],
                               "apiVersions": []} for t in types]}


def register(router: ArmRouter) -> None:
    @router.route("GET", "/subscriptions/{sub}/resourcegroups", area=_AREA)
    def list_groups(ctx: ArmRequest):
        groups = ctx.app.management.list_groups(actor=ctx.actor, subscription=ctx.params["sub"])
        tag = _TAG_FILTER.search(ctx.q("$filter") or "")
        if tag:
            groups = [g for g in groups if _has_tag(g.tags, tag.group(1), tag.group(2))]
        return page(ctx, [render.group(g) for g in groups])

    @router.route("GET", _RG, area=_AREA)
    def get_group(ctx: ArmRequest):
        try:
            group = ctx.app.management.get_group(actor=ctx.actor, subscription=ctx.params["sub"], name=ctx.params["rg"])
        except NotFound as error:
            if error.code == "ResourceGroupNotFound":
                raise lookup.group_not_found(ctx.params["rg"]) from None
            raise
        return ArmResponse(204) if ctx.method == "HEAD" else render.group(group)

    @router.route("PUT", _RG, area=_AREA, body=GroupPutBody)
    def put_group(ctx: ArmRequest):
        location = location_given(ctx.model.location)
        group, created = ctx.app.management.put_group(actor=ctx.actor, subscription=ctx.params["sub"],
                                                      name=ctx.params["rg"], location=location,
                                                      tags=ctx.model.tags or {})
        return ArmResponse(201 if created else 200, render.group(group))

    @router.route("PATCH", _RG, area=_AREA, body=TagsBody)
    def patch_group(ctx: ArmRequest):
        group, _ = ctx.app.management.put_group(actor=ctx.actor, subscription=ctx.params["sub"],
                                                name=ctx.params["rg"], location="", tags=ctx.model.tags)
        return render.group(group)

    @router.route("DELETE", _RG, area=_AREA, lro="ResourceGroups_Delete")
    def delete_group(ctx: ArmRequest):
        try:
            ctx.app.management.delete_group(actor=ctx.actor, subscription=ctx.params["sub"], name=ctx.params["rg"])
        except NotFound as error:  # ResourceGroups_Delete declares 200/202 only; ARM answers a missing group 404
            if error.code == "ResourceGroupNotFound":
                raise lookup.group_not_found(ctx.params["rg"]) from None
            raise
        return lro(ctx, "ResourceGroups_Delete", 202)

    @router.route("GET", "/subscriptions/{sub}/resources", area=_AREA)
    def list_resources(ctx: ArmRequest):
        return page(ctx, [render.generic(r) for r in _filtered(ctx, lookup.listed(ctx))])

    @router.route("GET", _RG + "/resources", area=_AREA)
    def list_group_resources(ctx: ArmRequest):
        return page(ctx, [render.generic(r) for r in _filtered(ctx, lookup.listed(ctx, in_group=True))])

    @router.route("GET", "/subscriptions/{sub}/providers", area=_AREA)
    def list_providers(ctx: ArmRequest):
        ctx.app.subscriptions.get(actor=ctx.actor, ref=ctx.params["sub"])
        return page(ctx, [_provider(ctx.params["sub"], ns, types) for ns, types in PROVIDERS.items()])

    @router.route("GET", "/subscriptions/{sub}/providers/{ns}", area=_AREA)
    def get_provider(ctx: ArmRequest):
        ctx.app.subscriptions.get(actor=ctx.actor, ref=ctx.params["sub"])
        namespace = next((ns for ns in PROVIDERS if ns.lower() == ctx.params["ns"].lower()), None)
        if namespace is None:
            raise ArmError(404, "InvalidResourceNamespace", f"The resource namespace '{ctx.params['ns']}' is invalid.")
        return _provider(ctx.params["sub"], namespace, PROVIDERS[namespace])

    @router.route("POST", "/subscriptions/{sub}/providers/{ns}/register", area=_AREA)
    def register_provider(ctx: ArmRequest):
        return get_provider(ctx)


def _has_tag(tags: dict, name: str, value: str | None) -> bool:
    """ARM tag names compare without case, tag values with case."""
    found = [v for k, v in tags.items() if k.lower() == name.lower()]
    return bool(found) and (value is None or value in found)


def _filtered(ctx: ArmRequest, items):
    text = ctx.q("$filter") or ""
    if (group := _GROUP_FILTER.search(text)) is not None:
        items = [r for r in items if r.resource_group.lower() == group.group(1).lower()]
    if (rtype := _TYPE_FILTER.search(text)) is not None:
        items = [r for r in items if r.type.value.lower() == rtype.group(1).lower()]
    return items

