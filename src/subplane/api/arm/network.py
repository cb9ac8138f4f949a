"""Microsoft.Network publicIPAddresses (Static/Dynamic semantics of the domain) and networkInterfaces."""

from __future__ import annotations

from pydantic import BaseModel

from ...domain.resources import Resource, ResourceType
from . import lookup
from . import render_resources as render
from .errors import location_given
from .routing import ArmRequest, ArmResponse, ArmRouter, lro, page
from .schemas import (
    IdReference,
    IpConfigurationProperties,
    NicProperties,
    NicPutBody,
    PublicIpProperties,
    PublicIpPutBody,
    Sku,
    TagsBody,
)

_AREA = "network"
_RG = "/subscriptions/{sub}/resourceGroups/{rg}"
_KINDS = {
    "publicIPAddresses": ResourceType.PUBLIC_IP,
    "networkInterfaces": ResourceType.NETWORK_INTERFACE,
}
_BODIES: dict[ResourceType, type[BaseModel]] = {ResourceType.PUBLIC_IP: PublicIpPutBody, ResourceType.NETWORK_INTERFACE: NicPutBody}


def _render(ctx: ArmRequest, resource: Resource, everything: list[Resource]) -> dict:
    if resource.type is ResourceType.PUBLIC_IP:
        nic = next((r for r in everything if r.type is ResourceType.NETWORK_INTERFACE
                    and (r.public_ip_id or "").lower() == resource.resource_id.lower()), None)
        return render.public_ip(resource, nic)
    vm = next((r for r in everything if r.type is ResourceType.VIRTUAL_MACHINE
               and (r.nic_id or "").lower() == resource.resource_id.lower()), None)
    return render.network_interface(resource, vm)


def _put_ip(ctx: ArmRequest, body: PublicIpPutBody):
    sku = (body.sku or Sku()).name or "Basic"
    allocation = (body.properties or PublicIpProperties()).publicIPAllocationMethod or (
        "Static" if sku.lower() == "standard" else "Dynamic")
    return ctx.app.resources.create_public_ip(actor=ctx.actor, subscription=ctx.params["sub"], group=ctx.params["rg"],
                                              name=ctx.params["name"], allocation=allocation, sku=sku.capitalize(),
                                              location=location_given(body.location))


def _put_nic(ctx: ArmRequest, body: NicPutBody):
    configs = (body.properties or NicProperties()).ipConfigurations or []
    config = (configs[0].properties or IpConfigurationProperties()) if configs else IpConfigurationProperties()
    public_ip = (config.publicIPAddress or IdReference()).id
    nic, _ = ctx.app.management.put_nic(actor=ctx.actor, subscription=ctx.params["sub"], group=ctx.params["rg"],
                                        name=ctx.params["name"], location=body.location, public_ip_id=public_ip)
    return nic


def register(router: ArmRouter) -> None:
    for segment, rtype in _KINDS.items():
        _register_kind(router, segment, rtype)


def _register_kind(router: ArmRouter, segment: str, rtype: ResourceType) -> None:
    collection = f"/providers/Microsoft.Network/{segment}"
    item = _RG + collection + "/{name}"

    @router.route("GET", "/subscriptions/{sub}" + collection, area=_AREA, resource_type=rtype.value)
    def list_all(ctx: ArmRequest):
        everything = lookup.listed(ctx)
        return page(ctx, [_render(ctx, r, everything) for r in everything if r.type is rtype])

    @router.route("GET", _RG + collection, area=_AREA, resource_type=rtype.value)
    def list_in_group(ctx: ArmRequest):
        everything = lookup.listed(ctx)
        group = ctx.params["rg"].lower()
        return page(ctx, [_render(ctx, r, everything) for r in everything
                          if r.type is rtype and r.resource_group.lower() == group])

    @router.route("GET", item, area=_AREA, resource_type=rtype.value)
    def get(ctx: ArmRequest):
        return _render(ctx, lookup.get(ctx, rtype), lookup.listed(ctx))

    @router.route("PUT", item, area=_AREA, resource_type=rtype.value, body=_BODIES[rtype])
    def put(ctx: ArmRequest):
        body = ctx.model
        existing = lookup.find(ctx, rtype)
        if existing is not None and rtype is ResourceType.PUBLIC_IP:
            ctx.app.management.touch(actor=ctx.actor, resource_id=existing.resource_id, tags=body.tags)
        elif rtype is ResourceType.PUBLIC_IP:
            _put_ip(ctx, body)
        else:
            _put_nic(ctx, body)
        resource = lookup.get(ctx, rtype)
        return lro(ctx, "Network_CreateOrUpdate", 200 if existing else 201, _render(ctx, resource, lookup.listed(ctx)))

    @router.route("PATCH", item, area=_AREA, resource_type=rtype.value, body=TagsBody)
    def update_tags(ctx: ArmRequest):  # PublicIPAddresses_UpdateTags, NetworkInterfaces_UpdateTags: 200, the resource
        found = lookup.get(ctx, rtype)
        resource = ctx.app.management.touch(actor=ctx.actor, resource_id=found.resource_id, tags=ctx.model.tags)
        return _render(ctx, resource, lookup.listed(ctx))

    @router.route("DELETE", item, area=_AREA, resource_type=rtype.value, lro="Network_Delete")
    def delete(ctx: ArmRequest):
        found = lookup.find(ctx, rtype)
        if found is None:
            return ArmResponse(204)
        ctx.app.resources.delete(actor=ctx.actor, ref=found.resource_id)
        return lro(ctx, "Network_Delete", 202)
