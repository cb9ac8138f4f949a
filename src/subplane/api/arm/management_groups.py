"""Microsoft.Management (azure-mgmt-managementgroups, ``az account management-group``): management groups,
the subscriptions under them, descendants, entities, hierarchy settings, and role assignments at group scope.

Writes finish at once: a PUT answers 200 with the group (the spec's 200), a DELETE 204 (declared beside 202).
"""

from __future__ import annotations

from typing import Any

from ...domain import management_groups as tree
from ...domain.access import ROLE_DEFINITION_IDS, RoleAssignment
from ...domain.lifecycle import State, Subscription
from ...domain.management_groups import HierarchySettings, ManagementGroup
from ...services.management_groups import GroupView, SettingsChange
from ..validation import is_guid
from .authorization import assignment_request
from .errors import ArmError
from .routing import ArmRequest, ArmResponse, ArmRouter, page
from .schemas import (
    HierarchySettingsBody,
    HierarchySettingsProperties,
    ManagementGroupPatchBody,
    ManagementGroupPutBody,
    RoleAssignmentBody,
)

_AREA = "management"
_TYPE = "Microsoft.Management/managementGroups"
_GROUPS = "/providers/Microsoft.Management/managementGroups"
_GROUP = _GROUPS + "/{mg}"
_ASSIGNMENTS = _GROUP + "/providers/Microsoft.Authorization/roleAssignments"
_STATES = {State.ENABLED: "Active", State.DISABLED: "Disabled", State.DELETED: "Deleted"}


def _parent_info(group_id: str | None, names: dict[str, str]) -> dict[str, str] | None:
    if group_id is None:
        return None
    return {"id": tree.scope_of(group_id), "name": group_id, "displayName": names.get(group_id.lower(), group_id)}


def _child(view: GroupView) -> dict[str, Any]:
    body: dict[str, Any] = {"id": view.group.resource_id, "type": _TYPE, "name": view.group.group_id,
                            "displayName": view.group.display_name}
    children = [_child(c) for c in view.children] + [_subscription_child(s) for s in view.subscriptions]
    if children:
        body["children"] = children
    return body


def _subscription_child(sub: Subscription) -> dict[str, Any]:
    return {"id": sub.resource_id, "type": "/subscriptions", "name": sub.subscription_id,
            "displayName": sub.display_name}


def render_group(view: GroupView, *, expand: str | None) -> dict[str, Any]:
    group = view.group
    names = {g.group_id.lower(): g.display_name for g in view.path}
    details: dict[str, Any] = {"version": 1}
    if view.updated is not None:
        details["updatedTime"] = view.updated[0].isoformat().replace("+00:00", "Z")
        details["updatedBy"] = view.updated[1]
    parent = _parent_info(group.parent_id, names)
    if parent is not None:
        details["parent"] = parent
    wanted = (expand or "").lower()
    if "path" in wanted:
        details["path"] = [{"name": g.group_id, "displayName": g.display_name} for g in view.path]
    if "ancestors" in wanted:
        details["managementGroupAncestors"] = [g.group_id for g in reversed(view.path)]
        details["managementGroupAncestorsChain"] = [{"name": g.group_id, "displayName": g.display_name}
                                                    for g in reversed(view.path)]
    properties: dict[str, Any] = {"tenantId": group.tenant_id, "displayName": group.display_name, "details": details}
    if "children" in wanted:
        properties["children"] = [_child(c) for c in view.children] + \
                                 [_subscription_child(s) for s in view.subscriptions]
    return {"id": group.resource_id, "type": _TYPE, "name": group.group_id, "properties": properties}


def _info(group: ManagementGroup) -> dict[str, Any]:
    return {"id": group.resource_id, "type": _TYPE, "name": group.group_id,
            "properties": {"tenantId": group.tenant_id, "displayName": group.display_name}}


def _under(group: ManagementGroup, sub: Subscription) -> dict[str, Any]:
    return {"id": f"{group.resource_id}/subscriptions/{sub.subscription_id}",
            "type": "Microsoft.Management/managementGroups/subscriptions", "name": sub.subscription_id,
            "properties": {"tenant": sub.tenant_id, "displayName": sub.display_name,
                           "parent": {"id": group.resource_id}, "state": _STATES.get(sub.state, sub.state.value)}}


def _settings(tenant: str, settings: HierarchySettings) -> dict[str, Any]:
    properties: dict[str, Any] = {"tenantId": tenant,
                                  "requireAuthorizationForGroupCreation": settings.require_authorization}
    if settings.default_group:
        properties["defaultManagementGroup"] = tree.scope_of(settings.default_group)
    if settings.decommission_group:
        properties["decommissionManagementGroup"] = tree.scope_of(settings.decommission_group)
    return {"id": f"{tree.scope_of(tenant)}/settings/default", "type": "Microsoft.Management/managementGroups/settings",
            "name": "default", "properties": properties}


def _assignment(a: RoleAssignment) -> dict[str, Any]:
    definition = ROLE_DEFINITION_IDS[a.role]
    return {"id": f"{a.scope}/providers/Microsoft.Authorization/roleAssignments/{a.assignment_id}",
            "name": a.assignment_id, "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"scope": a.scope, "principalId": a.principal_id, "principalType": "User",
                           "roleDefinitionId": f"{a.scope}/providers/Microsoft.Authorization/roleDefinitions/{definition}"}}


def register(router: ArmRouter) -> None:
    _register_groups(router)
    _register_subscriptions(router)
    _register_assignments(router)


def _register_groups(router: ArmRouter) -> None:
    @router.route("GET", _GROUPS, area=_AREA, resource_type=_TYPE)
    def list_groups(ctx: ArmRequest):
        return page(ctx, [_info(g) for g in ctx.app.management_groups.list(actor=ctx.actor)])

    @router.route("GET", _GROUP, area=_AREA, resource_type=_TYPE)
    def get_group(ctx: ArmRequest):
        view = ctx.app.management_groups.get(actor=ctx.actor, group_id=ctx.params["mg"],
                                             recurse=ctx.flag("$recurse"))
        return render_group(view, expand=ctx.q("$expand"))

    @router.route("PUT", _GROUP, area=_AREA, resource_type=_TYPE, body=ManagementGroupPutBody)
    def put_group(ctx: ArmRequest):
        properties = ctx.model.properties
        parent = properties.details.parent.id if properties and properties.details and properties.details.parent \
            else None
        ctx.app.management_groups.put(
            actor=ctx.actor, group_id=ctx.params["mg"],
            display_name=properties.displayName if properties else None,
            parent_id=(tree.group_in_scope(parent) or parent) if parent else None)
        view = ctx.app.management_groups.get(actor=ctx.actor, group_id=ctx.params["mg"])
        return render_group(view, expand=None)

    @router.route("PATCH", _GROUP, area=_AREA, resource_type=_TYPE, body=ManagementGroupPatchBody)
    def patch_group(ctx: ArmRequest):
        ctx.app.management_groups.patch(actor=ctx.actor, group_id=ctx.params["mg"],
                                        display_name=ctx.model.displayName, parent_id=ctx.model.parentGroupId)
        return render_group(ctx.app.management_groups.get(actor=ctx.actor, group_id=ctx.params["mg"]), expand=None)

    @router.route("DELETE", _GROUP, area=_AREA, resource_type=_TYPE)
    def delete_group(ctx: ArmRequest):
        ctx.app.management_groups.delete(actor=ctx.actor, group_id=ctx.params["mg"])
        return ArmResponse(204)

    @router.route("GET", _GROUP + "/descendants", area=_AREA, resource_type=_TYPE)
    def descendants(ctx: ArmRequest):
        items = []
        for _kind, item, parent in ctx.app.management_groups.descendants(actor=ctx.actor, group_id=ctx.params["mg"]):
            if isinstance(item, ManagementGroup):
                items.append({"id": item.resource_id, "type": "/providers/Microsoft.Management/managementGroups",
                              "name": item.group_id,
                              "properties": {"displayName": item.display_name, "parent": {"id": tree.scope_of(parent)}}})
            else:
                items.append({"id": item.resource_id, "type": "/subscriptions", "name": item.subscription_id,
                              "properties": {"displayName": item.display_name, "parent": {"id": tree.scope_of(parent)}}})
        return page(ctx, items)

    @router.route("POST", "/providers/Microsoft.Management/getEntities", area=_AREA, resource_type=_TYPE)
    def entities(ctx: ArmRequest):
        groups = ctx.app.management_groups.list(actor=ctx.actor)
        items = [{"id": g.resource_id, "type": "/providers/Microsoft.Management/managementGroups", "name": g.group_id,
                  "properties": {"tenantId": g.tenant_id, "displayName": g.display_name, "permissions": "view",
                                 **({"parent": {"id": tree.scope_of(g.parent_id)}} if g.parent_id else {})}}
                 for g in groups]
        body = page(ctx, items)
        body["count"] = len(items)
        return body

    @router.route("GET", _GROUP + "/settings/default", area=_AREA, resource_type=_TYPE + "/settings")
    def get_settings(ctx: ArmRequest):
        tenant, settings = ctx.app.management_groups.settings(actor=ctx.actor, group_id=ctx.params["mg"])
        return _settings(tenant, settings)

    @router.route("GET", _GROUP + "/settings", area=_AREA, resource_type=_TYPE + "/settings")
    def list_settings(ctx: ArmRequest):
        tenant, settings = ctx.app.management_groups.settings(actor=ctx.actor, group_id=ctx.params["mg"])
        return {"value": [_settings(tenant, settings)]}

    for method in ("PUT", "PATCH"):
        @router.route(method, _GROUP + "/settings/default", area=_AREA, resource_type=_TYPE + "/settings",
                      body=HierarchySettingsBody)
        def put_settings(ctx: ArmRequest):
            props = ctx.model.properties or HierarchySettingsProperties()
            saved = ctx.app.management_groups.save_settings(
                actor=ctx.actor, group_id=ctx.params["mg"],
                change=SettingsChange(default_group=props.defaultManagementGroup,
                                      decommission_group=props.decommissionManagementGroup,
                                      require_authorization=props.requireAuthorizationForGroupCreation))
            return _settings(ctx.params["mg"], saved)


def _register_subscriptions(router: ArmRouter) -> None:
    under = _GROUP + "/subscriptions"
    resource_type = _TYPE + "/subscriptions"

    @router.route("GET", under, area=_AREA, resource_type=resource_type)
    def list_under(ctx: ArmRequest):
        view = ctx.app.management_groups.get(actor=ctx.actor, group_id=ctx.params["mg"])
        return page(ctx, [_under(view.group, s) for s in view.subscriptions])

    @router.route("GET", under + "/{sid}", area=_AREA, resource_type=resource_type)
    def get_under(ctx: ArmRequest):
        found = ctx.app.management_groups.subscription(actor=ctx.actor, group_id=ctx.params["mg"],
                                                       subscription_id=_guid(ctx.params["sid"]))
        return _under(found.group, found.subscription)

    @router.route("PUT", under + "/{sid}", area=_AREA, resource_type=resource_type)
    def put_under(ctx: ArmRequest):
        placed = ctx.app.management_groups.place(actor=ctx.actor, group_id=ctx.params["mg"],
                                                 subscription_id=_guid(ctx.params["sid"]))
        return _under(placed.group, placed.subscription)

    @router.route("DELETE", under + "/{sid}", area=_AREA, resource_type=resource_type)
    def delete_under(ctx: ArmRequest):
        ctx.app.management_groups.remove(actor=ctx.actor, group_id=ctx.params["mg"],
                                         subscription_id=_guid(ctx.params["sid"]))
        return ArmResponse(200)


def _register_assignments(router: ArmRouter) -> None:
    resource_type = "Microsoft.Authorization/roleAssignments"

    @router.route("GET", _ASSIGNMENTS, area="authorization", resource_type=resource_type)
    def list_assignments(ctx: ArmRequest):
        found = ctx.app.management_groups.assignments(actor=ctx.actor, group_id=ctx.params["mg"])
        return page(ctx, [_assignment(a) for a in found])

    @router.route("PUT", _ASSIGNMENTS + "/{assignment}", area="authorization", resource_type=resource_type,
                  body=RoleAssignmentBody)
    def put_assignment(ctx: ArmRequest):
        assignment_id, role, principal_id = assignment_request(ctx)
        assignment = ctx.app.management_groups.assign(actor=ctx.actor, group_id=ctx.params["mg"],
                                                      assignment_id=assignment_id, principal_id=principal_id, role=role)
        return ArmResponse(201, _assignment(assignment))

    @router.route("DELETE", _ASSIGNMENTS + "/{assignment}", area="authorization", resource_type=resource_type)
    def delete_assignment(ctx: ArmRequest):
        removed = ctx.app.management_groups.unassign(actor=ctx.actor, group_id=ctx.params["mg"],
                                                     assignment_id=ctx.params["assignment"])
        return ArmResponse(204) if removed is None else _assignment(removed)


def _guid(text: str) -> str:
    if not is_guid(text):
        raise ArmError(400, "InvalidSubscriptionId", f"The provided identifier '{text}' is malformed or invalid.")
    return text.lower()
