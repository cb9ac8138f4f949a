"""Microsoft.Resources/tags at a scope: ``/{scope}/providers/Microsoft.Resources/tags/default`` for a
subscription, a resource group or a resource (Tags_GetAtScope, _CreateOrUpdateAtScope, _UpdateAtScope,
_DeleteAtScope). Every write answers 200 with the result (the long-running forms of 2025-04-01 declare
200 too, so pollers finish at once); what Merge, Replace and Delete mean is ``domain.tags.changed_tags``.
"""

from __future__ import annotations

from ...domain.errors import NotFound
from . import lookup
from .routing import ArmRequest, ArmResponse, ArmRouter
from .schemas import ScopeTagsBody, ScopeTagsProperties

_AREA, _TYPE = "resources", "Microsoft.Resources/tags"
_TAGS = "/providers/Microsoft.Resources/tags/default"
_SCOPES = {
    "subscription": "/subscriptions/{sub}",
    "group": "/subscriptions/{sub}/resourceGroups/{rg}",
    "resource": "/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{kind}/{name}",
}


def _target(ctx: ArmRequest) -> dict:
    params = ctx.params
    target: dict = {"subscription": params["sub"]}
    if "rg" in params:
        target["group"] = params["rg"]
    if "name" in params:
        target["resource_id"] = (f"/subscriptions/{params['sub']}/resourceGroups/{params['rg']}/providers/"
                                 f"{params['ns']}/{params['kind']}/{params['name']}")
    return target


def _call(ctx: ArmRequest, method, **kwargs):
    try:
        return method(actor=ctx.actor, **_target(ctx), **kwargs)
    except NotFound as error:
        if error.code == "ResourceGroupNotFound":
            raise lookup.group_not_found(ctx.params["rg"]) from None
        raise


def _render(scope: str, tags: dict) -> dict:
    return {"id": scope + _TAGS, "name": "default", "type": _TYPE, "properties": {"tags": tags}}


def register(router: ArmRouter) -> None:
    for pattern in _SCOPES.values():
        _register_scope(router, pattern + _TAGS)


def _register_scope(router: ArmRouter, pattern: str) -> None:
    @router.route("GET", pattern, area=_AREA, resource_type=_TYPE)
    def get(ctx: ArmRequest):
        return _render(*_call(ctx, ctx.app.management.scope_tags))

    @router.route("PUT", pattern, area=_AREA, resource_type=_TYPE, body=ScopeTagsBody)
    def create_or_update(ctx: ArmRequest):
        tags = (ctx.model.properties or ScopeTagsProperties()).tags
        return _render(*_call(ctx, ctx.app.management.change_scope_tags, operation="Replace", tags=tags or {}))

    @router.route("PATCH", pattern, area=_AREA, resource_type=_TYPE, body=ScopeTagsBody)
    def update(ctx: ArmRequest):
        tags = (ctx.model.properties or ScopeTagsProperties()).tags
        return _render(*_call(ctx, ctx.app.management.change_scope_tags, operation=ctx.model.operation or "",
                              tags=tags or {}))

    @router.route("DELETE", pattern, area=_AREA, resource_type=_TYPE)
    def delete(ctx: ArmRequest):
        _call(ctx, ctx.app.management.change_scope_tags, operation="Replace", tags={})
        return ArmResponse(200)
