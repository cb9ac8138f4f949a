"""Management groups through Microsoft.Management: the tree, subscriptions in it, depth and cycle limits, roles
at group scope inherited by the subscriptions below, alias placement, and decommissioning on cancel."""

from __future__ import annotations

import uuid

import pytest

from subplane.domain.access import ROLE_DEFINITION_IDS, Role

from .conftest import ACTION_VERSION

VERSION = "2023-04-01"
GROUPS = "/providers/Microsoft.Management/managementGroups"


def _put(arm, group: str, parent: str | None = None, role: str = "owner", **extra):
    body = {"properties": {"displayName": extra.pop("display_name", group.title()),
                           **({"details": {"parent": {"id": f"{GROUPS}/{parent}"}}} if parent else {})}}
    return arm.call("PUT", f"{GROUPS}/{group}", role=role, version=VERSION, json=body)


def _vend(arm, name: str) -> str:
    """A new subscription through an alias, by the owner service principal (the reader holds no role on it)."""
    body = {"properties": {"displayName": name, "workload": "Production",
                           "billingScope": f"/providers/Microsoft.Billing/billingAccounts/{arm.demo['billingAccountId']}"}}
    answer = arm.call("PUT", f"/providers/Microsoft.Subscription/aliases/{name}", version=ACTION_VERSION, json=body)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["properties"]["subscriptionId"]


def _assign(arm, group: str, role: Role, principal: str) -> None:
    definition = f"{GROUPS}/{group}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_DEFINITION_IDS[role]}"
    answer = arm.call("PUT", f"{GROUPS}/{group}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}",
                      version="2022-04-01", json={"properties": {"roleDefinitionId": definition,
                                                                 "principalId": principal}})
    assert answer.status_code == 201, answer.text


def _reader_id(arm) -> str:
    with arm.app.uow(read_only=True) as uow:
        return uow.directory.find_principal("subplane-reader").principal_id


def test_a_tree_with_its_root_children_and_path(arm):
    assert _put(arm, "platform").status_code == 200
    assert _put(arm, "landing-zones", display_name="Landing zones").status_code == 200
    assert _put(arm, "lz-prod", parent="landing-zones", display_name="Productie").status_code == 200
    names = {g["name"]: g["properties"]["displayName"] for g in
             arm.call("GET", GROUPS, version=VERSION).json()["value"] if not g["name"].startswith("contoso-")}
    assert names == {"platform": "Platform", "landing-zones": "Landing zones", "lz-prod": "Productie"}
    got = arm.call("GET", f"{GROUPS}/lz-prod", version=VERSION, params={"$expand": "path,ancestors"}).json()
    details = got["properties"]["details"]
    assert details["parent"]["name"] == "landing-zones" and details["updatedBy"] == "subplane-owner"
    assert [p["name"] for p in details["path"]] == [arm.tenant, "landing-zones"]
    assert details["managementGroupAncestors"] == ["landing-zones", arm.tenant]
    children = arm.call("GET", f"{GROUPS}/landing-zones", version=VERSION, params={"$expand": "children"}).json()
    assert [c["name"] for c in children["properties"]["children"]] == ["lz-prod"]
    assert _put(arm, "PLATFORM", display_name="Platform team").json()["properties"]["displayName"] == "Platform team"


def test_names_depth_cycles_and_deleting_a_group_with_children_are_refused(arm):
    assert _put(arm, "bad name!").json()["error"]["code"] == "InvalidManagementGroupName"
    parent = None
    for level in range(1, 7):
        assert _put(arm, f"l{level}", parent=parent).status_code == 200
        parent = f"l{level}"
    too_deep = _put(arm, "l7", parent="l6")
    assert too_deep.status_code == 400 and too_deep.json()["error"]["code"] == "ManagementGroupDepthLimitExceeded"
    cycle = arm.call("PATCH", f"{GROUPS}/l2", version=VERSION, json={"parentGroupId": f"{GROUPS}/l5"})
    assert cycle.status_code == 400 and cycle.json()["error"]["code"] == "InvalidParentManagementGroup"
    busy = arm.call("DELETE", f"{GROUPS}/l5", version=VERSION)
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "ManagementGroupHasChildren"
    assert arm.call("DELETE", f"{GROUPS}/l6", version=VERSION).status_code == 204
    assert arm.call("GET", f"{GROUPS}/l6", version=VERSION).status_code == 404
    assert arm.call("DELETE", f"{GROUPS}/{arm.tenant}", version=VERSION).status_code == 403  # nobody holds the root


def test_a_subscription_sits_in_exactly_one_group(arm):
    sub = _vend(arm, "vended-one")
    _put(arm, "a")
    _put(arm, "b")
    assert arm.call("PUT", f"{GROUPS}/a/subscriptions/{sub}", version=VERSION).status_code == 200
    assert arm.call("PUT", f"{GROUPS}/b/subscriptions/{sub}", version=VERSION).status_code == 200
    under_a = arm.call("GET", f"{GROUPS}/a/subscriptions", version=VERSION).json()["value"]
    under_b = arm.call("GET", f"{GROUPS}/b/subscriptions", version=VERSION).json()["value"]
    assert under_a == [] and [s["name"] for s in under_b] == [sub]
    assert under_b[0]["properties"]["state"] == "Active" and under_b[0]["properties"]["parent"]["id"] == f"{GROUPS}/b"
    assert arm.call("GET", f"{GROUPS}/a/subscriptions/{sub}", version=VERSION).status_code == 404
    assert arm.call("DELETE", f"{GROUPS}/b/subscriptions/{sub}", version=VERSION).status_code == 200
    assert arm.call("GET", f"{GROUPS}/b/subscriptions", version=VERSION).json()["value"] == []


def test_an_owner_at_a_group_may_cancel_below_it_and_a_reader_there_sees(arm):
    sub = _vend(arm, "vended-two")
    _put(arm, "landing")
    arm.call("PUT", f"{GROUPS}/landing/subscriptions/{sub}", version=VERSION)
    subs = "/subscriptions"
    visible = lambda: {s["subscriptionId"] for s in arm.call("GET", subs, role="reader").json()["value"]}  # noqa: E731
    assert sub not in visible()
    cancel = lambda: arm.call("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/cancel",  # noqa: E731
                              role="reader", version=ACTION_VERSION, params={"IgnoreResourceCheck": "true"})
    assert cancel().status_code in (403, 404)
    _assign(arm, "landing", Role.READER, _reader_id(arm))
    assert sub in visible()
    assert cancel().status_code == 403  # a Reader there sees it, but may not cancel
    _assign(arm, "landing", Role.OWNER, _reader_id(arm))
    done = cancel()
    assert done.status_code == 200, done.text


def test_an_alias_places_its_subscription_and_a_cancel_decommissions_it(arm):
    _put(arm, "landing")
    _put(arm, "decommissioned", display_name="Decommissioned")
    settings = arm.call("PUT", f"{GROUPS}/{arm.tenant}/settings/default", version=VERSION, role="owner",
                        json={"properties": {"decommissionManagementGroup": f"{GROUPS}/decommissioned"}})
    assert settings.status_code == 403  # only who holds write at the root may
    with arm.app.uow() as uow:  # the operator grants the owner principal Owner at the root
        owner = uow.directory.find_principal("subplane-owner").principal_id
        uow.management_groups.add_assignment(str(uuid.uuid4()), arm.tenant, Role.OWNER, owner, now=uow.now)
    settings = arm.call("PUT", f"{GROUPS}/{arm.tenant}/settings/default", version=VERSION,
                        json={"properties": {"decommissionManagementGroup": f"{GROUPS}/decommissioned"}})
    assert settings.status_code == 200, settings.text
    assert settings.json()["properties"]["decommissionManagementGroup"] == f"{GROUPS}/decommissioned"
    body = {"properties": {"displayName": "vended-three", "workload": "Production",
                           "billingScope": f"/providers/Microsoft.Billing/billingAccounts/{arm.demo['billingAccountId']}",
                           "additionalProperties": {"managementGroupId": f"{GROUPS}/landing"}}}
    alias = arm.call("PUT", "/providers/Microsoft.Subscription/aliases/vended-three", version=ACTION_VERSION, json=body)
    assert alias.status_code == 201 and alias.json()["properties"]["managementGroupId"] == f"{GROUPS}/landing"
    sub = alias.json()["properties"]["subscriptionId"]
    group_of = lambda: arm.call("GET", "/providers/Microsoft.Subscription/aliases/vended-three",  # noqa: E731
                                version=ACTION_VERSION).json()["properties"]["managementGroupId"]
    cancel = arm.call("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/cancel", version=ACTION_VERSION,
                      params={"IgnoreResourceCheck": "true"})
    assert cancel.status_code == 200 and group_of() == f"{GROUPS}/decommissioned"
    with arm.app.uow(read_only=True) as uow:
        moves = [r for r in uow.activity.list(subscription_id=sub) if r["action"] == "moveSubscription"]
        cancels = [r for r in uow.activity.list(subscription_id=sub) if r["action"] == "cancel"]
    assert moves[0]["details"]["to"] == "decommissioned" and moves[0]["correlation_id"] == cancels[0]["correlation_id"]
    enable = arm.call("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/enable", version=ACTION_VERSION)
    assert enable.status_code == 200 and group_of() == f"{GROUPS}/landing"


@pytest.mark.parametrize("path", [f"{GROUPS}/nope", f"{GROUPS}/nope/descendants", f"{GROUPS}/nope/subscriptions"])
def test_an_unknown_or_unreadable_group_is_not_found(arm, path):
    answer = arm.call("GET", path, version=VERSION)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "ManagementGroupNotFound"
    _put(arm, "mine")
    assert arm.call("GET", f"{GROUPS}/mine", version=VERSION, role="reader").status_code == 404


def test_descendants_and_entities(arm):
    sub = _vend(arm, "vended-four")
    _put(arm, "top")
    _put(arm, "mid", parent="top")
    arm.call("PUT", f"{GROUPS}/mid/subscriptions/{sub}", version=VERSION)
    below = arm.call("GET", f"{GROUPS}/top/descendants", version=VERSION).json()["value"]
    assert [(d["name"], d["properties"]["parent"]["id"]) for d in below] == [
        ("mid", f"{GROUPS}/top"), (sub, f"{GROUPS}/mid")]
    entities = arm.call("POST", "/providers/Microsoft.Management/getEntities", version=VERSION).json()
    assert {"top", "mid"} <= {e["name"] for e in entities["value"]} and entities["count"] == len(entities["value"])


@pytest.mark.parametrize("assignment, body, code", [
    ("not-a-guid", {"properties": {"roleDefinitionId": ROLE_DEFINITION_IDS[Role.READER],
                                   "principalId": str(uuid.UUID(int=9))}}, "InvalidRoleAssignmentId"),
    (str(uuid.UUID(int=7)), {}, "RoleDefinitionDoesNotExist"),
    (str(uuid.UUID(int=8)), {"properties": {"roleDefinitionId": ROLE_DEFINITION_IDS[Role.READER]}},
     "InvalidRequestContent"),
])
def test_a_role_assignment_at_a_group_is_refused_as_arm_refuses_it(arm, assignment, body, code):
    _put(arm, "guarded")
    answer = arm.call("PUT", f"{GROUPS}/guarded/providers/Microsoft.Authorization/roleAssignments/{assignment}",
                      version="2022-04-01", json=body)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == code
    listed = arm.call("GET", f"{GROUPS}/guarded/providers/Microsoft.Authorization/roleAssignments", version="2022-04-01")
    assert all(a["name"] not in (assignment,) for a in listed.json()["value"])
