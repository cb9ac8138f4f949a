"""Finding the resource a provider path names, with ARM's not-found errors."""

from __future__ import annotations

from ...domain.errors import NotFound
from ...domain.resources import Resource, ResourceType, resource_id
from .errors import ArmError, resource_not_found


def group_not_found(name: str) -> ArmError:
    return ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")


def path_id(ctx, rtype: ResourceType) -> str:
    return resource_id(ctx.params["sub"].lower(), ctx.params["rg"], rtype, ctx.params["name"])


def require_group(ctx) -> None:
    try:
        ctx.app.management.get_group(actor=ctx.actor, subscription=ctx.params["sub"], name=ctx.params["rg"])
    except NotFound as error:
        if error.code == "ResourceGroupNotFound":
            raise group_not_found(ctx.params["rg"]) from None
        raise


def find(ctx, rtype: ResourceType) -> Resource | None:
    """The resource at this path, or None; a missing group or subscription raises."""
    require_group(ctx)
    try:
        return ctx.app.resources.get(actor=ctx.actor, ref=path_id(ctx, rtype), rtype=rtype)
    except NotFound as error:
        if error.code == "ResourceNotFound":
            return None
        raise


def get(ctx, rtype: ResourceType) -> Resource:
    found = find(ctx, rtype)
    if found is None:
        raise resource_not_found(rtype.value, ctx.params["name"], ctx.params["rg"])
    return found


def listed(ctx, rtype: ResourceType | None = None, *, in_group: bool = False) -> list[Resource]:
    if in_group:
        require_group(ctx)
    items = ctx.app.resources.list(actor=ctx.actor, subscription=ctx.params["sub"])
    if rtype is not None:
        items = [r for r in items if r.type is rtype]
    if in_group:
        items = [r for r in items if r.resource_group.lower() == ctx.params["rg"].lower()]
    return items


def by_id(ctx, rid: str | None) -> Resource | None:
    if not rid:
        return None
    try:
        return ctx.app.resources.get(actor=ctx.actor, ref=rid)
    except NotFound:
        return None
