"""Microsoft.Authorization: built-in role definitions, role assignments, classic administrators."""

from __future__ import annotations

import re

from ...domain.access import ROLE_BY_DEFINITION_ID, ROLE_DEFINITION_IDS, Role
from ...domain.errors import NotFound
from ..validation import is_guid
from . import render_resources as render
from .errors import ArmError
from .routing import ArmRequest, ArmResponse, ArmRouter, page
from .schemas import RoleAssignmentBody, RoleAssignmentProperties

_AREA = "authorization"
_NS = "/providers/Microsoft.Authorization"
_SCOPES = ("", "/subscriptions/{sub}", "/subscriptions/{sub}/resourceGroups/{rg}")
_ROLE_NAME = re.compile(r"rolename\s+eq\s+'([^']*)'", re.IGNORECASE)
_PRINCIPAL = re.compile(r"principalid\s+eq\s+'([^']*)'", re.IGNORECASE)


def _scope(ctx: ArmRequest) -> str:
    if "rg" in ctx.params:
        return f"/subscriptions/{ctx.params['sub'].lower()}/resourceGroups/{ctx.params['rg']}"
    return f"/subscriptions/{ctx.params['sub'].lower()}" if "sub" in ctx.params else "/"


def _definitions(ctx: ArmRequest) -> list[dict]:
    wanted = _ROLE_NAME.search(ctx.q("$filter") or "")
    names = [str(role) for role in ROLE_DEFINITION_IDS]
    if wanted:
        names = [n for n in names if n.lower() == wanted.group(1).lower()]
    return [render.role_definition(_scope(ctx), name) for name in names]


def _in_scope(assignment_scope: str, scope: str, at_scope_only: bool) -> bool:
    outer, inner = assignment_scope.rstrip("/").lower(), scope.rstrip("/").lower()
    if at_scope_only:  # atScope(): assignments at this scope or above it
        return inner == outer or inner.startswith(outer + "/")
    return inner == outer or inner.startswith(outer + "/") or outer.startswith(inner + "/")


def assignment_request(ctx: ArmRequest) -> tuple[str, Role, str]:
    """A role-assignment PUT's (assignment id, role, principal id), refused as ARM refuses them."""
    if not is_guid(ctx.params["assignment"]):
        raise ArmError(400, "InvalidRoleAssignmentId", f"The role assignment ID '{ctx.params['assignment']}' is not "
                                                       "valid. The role assignment ID must be a GUID.")
    properties = ctx.model.properties or RoleAssignmentProperties()
    definition = (properties.roleDefinitionId or "").rstrip("/").rpartition("/")[2].lower()
    role = ROLE_BY_DEFINITION_ID.get(definition)
    if role is None:
        raise ArmError(400, "RoleDefinitionDoesNotExist",
                       f"The specified role definition with ID '{definition}' does not exist.")
    if not properties.principalId:
        raise ArmError(400, "InvalidRequestContent", "properties.principalId is required.")
    return ctx.params["assignment"], role, properties.principalId


def register(router: ArmRouter) -> None:
    for scope in _SCOPES:
        _register_scope(router, scope)

    @router.route("GET", "/subscriptions/{sub}" + _NS + "/classicAdministrators", area=_AREA,
                  resource_type="Microsoft.Authorization/classicAdministrators")
    def classic_administrators(ctx: ArmRequest):
        admins = ctx.app.management.classic_administrators(actor=ctx.actor, subscription=ctx.params["sub"])
        return page(ctx, [{"id": f"/subscriptions/{ctx.params['sub']}{_NS}/classicAdministrators/{i}",
                           "name": str(i), "type": "Microsoft.Authorization/classicAdministrators",
                           "properties": {"emailAddress": email, "role": role}}
                          for i, (email, role) in enumerate(admins)])


def _register_scope(router: ArmRouter, scope: str) -> None:
    definitions = scope + _NS + "/roleDefinitions"

    @router.route("GET", definitions, area=_AREA, resource_type="Microsoft.Authorization/roleDefinitions")
    def list_definitions(ctx: ArmRequest):
        return page(ctx, _definitions(ctx))

    @router.route("GET", definitions + "/{definition}", area=_AREA, resource_type="Microsoft.Authorization/roleDefinitions")
    def get_definition(ctx: ArmRequest):
        role = ROLE_BY_DEFINITION_ID.get(ctx.params["definition"].lower())
        if role is None:
            raise ArmError(404, "RoleDefinitionDoesNotExist", "The specified role definition with ID "
                                                              f"'{ctx.params['definition']}' does not exist.")
        return render.role_definition(_scope(ctx), str(role))

    if not scope:
        return
    assignments = scope + _NS + "/roleAssignments"

    @router.route("GET", assignments, area=_AREA, resource_type="Microsoft.Authorization/roleAssignments")
    def list_assignments(ctx: ArmRequest):
        text = ctx.q("$filter") or ""
        principal = _PRINCIPAL.search(text)
        found = ctx.app.management.role_assignments(actor=ctx.actor, subscription=ctx.params["sub"])
        found = [a for a in found if _in_scope(a.scope, _scope(ctx), "atscope()" in text.lower())]
        if principal:
            found = [a for a in found if a.principal_id.lower() == principal.group(1).lower()]
        return page(ctx, [render.role_assignment(a, ctx.params["sub"].lower()) for a in found])

    @router.route("PUT", assignments + "/{assignment}", area=_AREA, resource_type="Microsoft.Authorization/roleAssignments",
                  body=RoleAssignmentBody)
    def create_assignment(ctx: ArmRequest):
        assignment_id, role, principal_id = assignment_request(ctx)
        properties = ctx.model.properties or RoleAssignmentProperties()
        assignment = ctx.app.management.create_role_assignment(
            actor=ctx.actor, subscription=ctx.params["sub"], scope=_scope(ctx),
            assignment_id=assignment_id, principal_id=principal_id, role=role)
        body = render.role_assignment(assignment, ctx.params["sub"].lower(), properties.principalType or "User")
        return ArmResponse(201, body)

    @router.route("GET", assignments + "/{assignment}", area=_AREA, resource_type="Microsoft.Authorization/roleAssignments")
    def get_assignment(ctx: ArmRequest):
        try:
            assignment = ctx.app.management.get_role_assignment(actor=ctx.actor, assignment_id=ctx.params["assignment"])
        except NotFound:
            raise ArmError(404, "RoleAssignmentNotFound",
                           f"The role assignment '{ctx.params['assignment']}' is not found.") from None
        return render.role_assignment(assignment, ctx.params["sub"].lower())

    @router.route("DELETE", assignments + "/{assignment}", area=_AREA,
                  resource_type="Microsoft.Authorization/roleAssignments")
    def delete_assignment(ctx: ArmRequest):
        removed = ctx.app.management.delete_role_assignment(actor=ctx.actor, assignment_id=ctx.params["assignment"])
        if removed is None:
            return ArmResponse(204)
        return render.role_assignment(removed, ctx.params["sub"].lower())
