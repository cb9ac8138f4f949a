"""Every served operation the spec facts cover, driven once through the in-process app and checked against the
facts (issue 12, item 6), and every served route classified, so a new route cannot drift unnoticed."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

import pytest

from subplane.api.arm import build_router
from subplane.api.arm.spec_facts import facts
from subplane.domain.access import ROLE_DEFINITION_IDS, Role
from tests.conformance.check import operation_facts, schema_problems, table, violations

from .conftest import ACTION_VERSION, SUBS_VERSION
from .test_aliases import _scope

# Routes that are no published operation: Subplane's own, and the polls of long-running operations (their answers
# are checked by the LRO tests against each operation's declared final status).
NO_SPEC = {
    ("POST", "/subscriptions/{sub}/providers/Subplane.Subscription/delete"),
    ("GET", "/subscriptions/{sub}/providers/Microsoft.Resources/operationStatuses/{op}"),
    ("GET", "/subscriptions/{sub}/operationresults/{op}"),
    ("GET", "/metadata/endpoints"),
}


def _route_keys() -> set[tuple[str, str]]:
    return {(route.method, route.pattern) for route in build_router().routes}


def test_the_facts_name_only_served_routes_and_the_spec_file_each_was_read_from():
    served = {(m, p.lower()) for m, p in _route_keys()}
    for operation in facts()["operations"]:
        assert (operation["method"], operation["route"].lower()) in served, operation["route"]
        assert operation["spec"].startswith("specification/") and operation["spec"].endswith(".json")
        assert operation["statuses"] and all(s.isdigit() for s in operation["statuses"])


# The routes whose spec facts are not extracted yet (scripts/build_spec_facts.py OPERATIONS); it may only shrink.
_PENDING_FILE = Path(__file__).resolve().parents[1] / "conformance" / "pending_routes.txt"


def test_every_served_route_is_covered_by_the_facts_or_known_to_have_no_spec():
    covered = set(operation_facts())
    pending = {(m, p) for m, p in _route_keys() if (m, p.lower()) not in covered and (m, p) not in NO_SPEC}
    listed = {tuple(line.split(" ", 1)) for line in _PENDING_FILE.read_text("utf-8").splitlines() if line}
    assert not pending - listed, f"new routes without spec facts: {sorted(pending - listed)}"
    assert not listed - pending, f"covered now, take them off {_PENDING_FILE.name}: {sorted(listed - pending)}"


class _Call(NamedTuple):
    method: str
    path: str
    body: object = None
    version: str = ACTION_VERSION
    query: dict | None = None


def _assignment_calls(arm, sub: str) -> list[tuple]:
    with arm.app.uow(read_only=True) as uow:
        reader = uow.directory.find_principal("subplane-reader").principal_id
    calls = []
    for scope in (f"/subscriptions/{sub}", f"/subscriptions/{sub}/resourceGroups/productie-rg",
                  "/providers/Microsoft.Management/managementGroups/conformance-mg"):
        assignments = f"{scope}/providers/Microsoft.Authorization/roleAssignments"
        one = f"{assignments}/{uuid.uuid4()}"
        definition = f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_DEFINITION_IDS[Role.READER]}"
        body = {"properties": {"roleDefinitionId": definition, "principalId": reader}}
        reads = [("GET", one, None)] if "managementGroups" not in scope else []
        calls += [("PUT", one, body), *reads, ("GET", assignments, None), ("DELETE", one, None)]
    for scope in ("", f"/subscriptions/{sub}", f"/subscriptions/{sub}/resourceGroups/productie-rg"):
        definitions = f"{scope}/providers/Microsoft.Authorization/roleDefinitions"
        calls += [("GET", definitions, None), ("GET", f"{definitions}/{ROLE_DEFINITION_IDS[Role.READER]}", None)]
    return [(method, path, body, "2022-04-01") for method, path, body in calls]


def _resource_calls(sub: str) -> list[tuple]:
    group, version = f"/subscriptions/{sub}/resourcegroups/conformance-rg", "2025-04-01"
    return [(method, path, body, version) for method, path, body in [
        ("PUT", group, {"location": "westeurope", "tags": {"env": "test"}}),
        ("PUT", group, {"location": "westeurope"}),
        ("PATCH", group, {"tags": {"env": "prod"}}),
        ("GET", group, None),
        ("GET", f"/subscriptions/{sub}/resourcegroups", None),
        ("GET", f"/subscriptions/{sub}/resources", None),
        ("GET", f"{group}/resources", None),
        ("GET", f"/subscriptions/{sub}/providers/Microsoft.Compute", None),
        ("DELETE", group, None),
    ]]


def _tag_calls(arm) -> list[tuple]:
    group = f"/subscriptions/{arm.subscription_id('Productie')}/resourceGroups/productie-rg"
    tags = {"properties": {"tags": {"env": "prod"}}}
    merge = {"operation": "Merge", "properties": {"tags": {"team": "web"}}}
    return [(method, f"{scope}/providers/Microsoft.Resources/tags/default", body, "2025-04-01")
            for scope in (group.rsplit("/resourceGroups/", 1)[0], group,
                          f"{group}/providers/Microsoft.Compute/virtualMachines/web-01")
            for method, body in (("PUT", tags), ("PATCH", merge), ("GET", None), ("DELETE", None))]


def _management_group_calls(arm, sub: str, then: list[tuple]) -> list[tuple]:
    """The group's calls, ``then`` (calls that need the group), and the group's delete."""
    groups, version = "/providers/Microsoft.Management/managementGroups", "2023-04-01"
    group, root = f"{groups}/conformance-mg", f"{groups}/{arm.tenant}"
    settings = {"properties": {"requireAuthorizationForGroupCreation": False}}
    with arm.app.uow() as uow:  # the operator grants the owner principal Owner at the root, as settings need
        owner = uow.directory.find_principal("subplane-owner").principal_id
        uow.management_groups.add_assignment(str(uuid.uuid4()), arm.tenant, Role.OWNER, owner, now=uow.now)
    return [(method, path, body, version) for method, path, body in [
        ("PUT", group, {"properties": {"displayName": "Conformance"}}),
        ("PATCH", group, {"displayName": "Conformance MG"}),
        ("GET", group, None),
        ("GET", groups, None),
        ("GET", f"{root}/descendants", None),
        ("POST", "/providers/Microsoft.Management/getEntities", None),
        ("PUT", f"{root}/settings/default", settings),
        ("PATCH", f"{root}/settings/default", settings),
        ("GET", f"{root}/settings/default", None),
        ("GET", f"{root}/settings", None),
        ("PUT", f"{group}/subscriptions/{sub}", None),
        ("GET", f"{group}/subscriptions/{sub}", None),
        ("GET", f"{group}/subscriptions", None),
        ("DELETE", f"{group}/subscriptions/{sub}", None),
    ]] + then + [("DELETE", group, None, version)]


# --- conf-resources (issue 12 item 6, group B): providers, classic administrators, compute, network, storage ---
def _conf_resources_calls(arm) -> list[tuple]:
    sub = arm.subscription_id("Productie")
    accounts = "/providers/Microsoft.Storage/storageAccounts"
    account, storage = f"/subscriptions/{sub}/resourceGroups/productie-rg{accounts}/confres01st", "2025-06-01"
    create = {"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    return [
        ("GET", f"/subscriptions/{sub}/providers", None, "2025-04-01"),
        ("POST", f"/subscriptions/{sub}/providers/Microsoft.Compute/register", None, "2025-04-01"),
        ("GET", f"/subscriptions/{sub}/providers/Microsoft.Authorization/classicAdministrators", None, "2015-07-01"),
        *[(method, path, body, storage) for method, path, body in [
            ("POST", f"/subscriptions/{sub}/providers/Microsoft.Storage/checkNameAvailability",
             {"name": "confres01st", "type": "Microsoft.Storage/storageAccounts"}),
            ("PUT", account, create),  # a new account: 202, then the account
            ("PUT", account, create),
            ("GET", account, None),
            ("PATCH", account, {"tags": {"env": "test"}}),
            ("GET", f"/subscriptions/{sub}{accounts}", None),
            ("GET", f"/subscriptions/{sub}/resourceGroups/productie-rg{accounts}", None),
            ("POST", f"{account}/listKeys", None),
            ("POST", f"{account}/regenerateKey", {"keyName": "key1"}),
            ("DELETE", account, None),
            ("DELETE", account, None),  # no such account any more: 204
        ]],
        *_network_calls(f"/subscriptions/{sub}", "productie-rg"),
        *_vm_calls(f"/subscriptions/{sub}", "productie-rg"),
    ]


def _vm_calls(subscription: str, group: str) -> list[tuple]:
    """A VM created (201), put again (200), patched, read (with its instance view too), listed, through its four power
    actions, and deleted twice (202, then 204)."""
    vms = "/providers/Microsoft.Compute/virtualMachines"
    vm = f"{subscription}/resourceGroups/{group}{vms}/confres-vm"
    body = {"location": "westeurope", "properties": {"hardwareProfile": {"vmSize": "Standard_B2s"}}}
    calls = [("PUT", vm, body, None), ("PUT", vm, body, None), ("PATCH", vm, {"tags": {"env": "test"}}, None),
             ("GET", vm, None, None), ("GET", vm, None, {"$expand": "instanceView"}),
             ("GET", f"{vm}/instanceView", None, None),
             ("GET", f"{subscription}/resourceGroups/{group}{vms}", None, None),
             ("GET", f"{subscription}{vms}", None, None),
             *[("POST", f"{vm}/{action}", None, None) for action in ("powerOff", "start", "restart", "deallocate")],
             ("DELETE", vm, None, None), ("DELETE", vm, None, None)]
    return [(method, path, body, "2025-04-01", query) for method, path, body, query in calls]


def _network_calls(subscription: str, group: str) -> list[tuple]:
    """A public IP and a NIC bound to it: created (201), put again (200), patched, read, listed, deleted twice."""
    network = f"{subscription}/resourceGroups/{group}/providers/Microsoft.Network"
    ip, nic = f"{network}/publicIPAddresses/confres-ip", f"{network}/networkInterfaces/confres-nic"
    ip_body = {"location": "westeurope", "sku": {"name": "Standard"},
               "properties": {"publicIPAllocationMethod": "Static"}}
    nic_body = {"location": "westeurope",
                "properties": {"ipConfigurations": [{"properties": {"publicIPAddress": {"id": ip}}}]}}
    calls = []
    for path, body in ((ip, ip_body), (nic, nic_body)):
        collection = path.rsplit("/", 1)[0]
        calls += [("PUT", path, body), ("PUT", path, body), ("PATCH", path, {"tags": {"env": "test"}}),
                  ("GET", path, None), ("GET", collection, None),
                  ("GET", f"{subscription}/providers/Microsoft.Network/{collection.rsplit('/', 1)[1]}", None)]
    calls += [("DELETE", nic, None), ("DELETE", nic, None), ("DELETE", ip, None), ("DELETE", ip, None)]
    return [(method, path, body, "2025-05-01") for method, path, body in calls]
# --- end of conf-resources ---
# --- Group A (conf-billing): budgets and usage details, cost query, Microsoft.Billing ---
def _group_a_consumption_calls(sub: str) -> list[tuple]:
    version = "2024-08-01"
    budget = {"properties": {"category": "Cost", "amount": 100, "timeGrain": "Monthly",
                             "timePeriod": {"startDate": "2026-11-01T00:00:00Z", "endDate": "2027-11-01T00:00:00Z"},
                             "notifications": {"at80": {"enabled": True, "operator": "GreaterThan", "threshold": 80,
                                                        "contactEmails": ["finops@contoso.example"]}}}}
    calls = [("GET", f"/subscriptions/{sub}/providers/Microsoft.Consumption/usageDetails", None, version)]
    for scope in (f"/subscriptions/{sub}", f"/subscriptions/{sub}/resourceGroups/productie-rg"):
        budgets = f"{scope}/providers/Microsoft.Consumption/budgets"
        calls += [(method, path, body, version) for method, path, body in [
            ("PUT", f"{budgets}/conformance", budget),  # 201
            ("PUT", f"{budgets}/conformance", budget),  # 200
            ("GET", f"{budgets}/conformance", None),
            ("GET", budgets, None),
            ("DELETE", f"{budgets}/conformance", None),
        ]]
    return calls


def _group_a_cost_calls(arm, sub: str) -> list[tuple]:
    query = {"type": "ActualCost", "timeframe": "MonthToDate",
             "dataset": {"granularity": "Daily", "aggregation": {"totalCost": {"name": "Cost", "function": "Sum"}},
                         "grouping": [{"type": "Dimension", "name": "ResourceGroupName"}]}}
    return [("POST", f"{scope}/providers/Microsoft.CostManagement/query", query, "2025-03-01")
            for scope in (f"/subscriptions/{sub}", f"/subscriptions/{sub}/resourceGroups/productie-rg", _scope(arm))]


def _group_a_billing_calls(arm) -> list[tuple]:
    """Microsoft.Billing after the demo's first invoices (the clock moves on 35 days), the cancel last."""
    version, accounts = "2024-04-01", "/providers/Microsoft.Billing/billingAccounts"
    account = f"{accounts}/{arm.demo['billingAccountId']}"
    arm.app.clock_control.advance(timedelta(days=35))
    listed = arm.call("GET", f"{account}/invoices", version=version).json()["value"]
    invoice = next(i for i in listed if i["properties"]["subTotal"]["value"] > 0)
    number, sub = invoice["name"], invoice["properties"]["subscriptionId"]
    by_subscription = f"{accounts}/default/billingSubscriptions/{sub}/invoices"
    return [(method, path, body, version, query) for method, path, body, query in [
        ("GET", accounts, None, None),
        ("GET", account, None, None),
        ("GET", f"{account}/billingSubscriptions", None, None),
        ("GET", f"{account}/billingSubscriptions/{sub}", None, None),
        ("GET", f"{account}/invoices", None, None),
        ("GET", f"{account}/invoices/{number}", None, None),
        ("GET", f"{account}/invoices/{number}/transactions", None, None),
        ("POST", f"{account}/invoices/{number}/download", None, None),
        ("GET", by_subscription, None, None),
        ("GET", f"{by_subscription}/{number}", None, None),
        ("POST", f"{by_subscription}/{number}/download", None, None),
        ("POST", f"{account}/billingSubscriptions/{sub}/cancel", {"cancellationReason": "Other"},
         {"IgnoreResourceCheck": "true"}),
    ]]


def _group_a_calls(arm) -> list[tuple]:
    sub = arm.subscription_id("Productie")
    return _group_a_consumption_calls(sub) + _group_a_cost_calls(arm, sub) + _group_a_billing_calls(arm)
# --- end of Group A ---


def _drive(arm) -> list[tuple[str, str, str, int, object]]:
    """One call of each covered operation, in an order that leaves each one something to act on."""
    sub = arm.subscription_id("Ontwikkeling")
    alias = "/providers/Microsoft.Subscription/aliases/conformance"
    window = "eventTimestamp ge '2000-01-01T00:00:00Z' and eventTimestamp le '2100-01-01T00:00:00Z'"
    calls = [
        ("GET", "/subscriptions", None, SUBS_VERSION),
        ("GET", f"/subscriptions/{sub}", None, SUBS_VERSION),
        ("GET", f"/subscriptions/{sub}/locations", None, SUBS_VERSION),
        ("GET", "/tenants", None, SUBS_VERSION),
        ("PUT", alias, {"properties": {"displayName": "Conformance", "workload": "DevTest",
                                       "billingScope": _scope(arm)}}),
        ("PUT", alias, {"properties": {"displayName": "Conformance", "workload": "DevTest",
                                       "billingScope": _scope(arm)}}),
        ("GET", alias, None),
        ("GET", "/providers/Microsoft.Subscription/aliases", None),
        ("GET", "/providers/Microsoft.Subscription/operations", None),
        ("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/rename", {"subscriptionName": "Ontw 2"}),
        ("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/cancel", None),
        ("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/enable", None),
        ("DELETE", alias, None),
        ("DELETE", alias, None),
        ("GET", f"/subscriptions/{sub}/providers/Microsoft.Insights/eventtypes/management/values", None, "2015-04-01",
         {"$filter": window}),
        *_management_group_calls(arm, sub, then=_assignment_calls(arm, sub)),
        *_tag_calls(arm),
        *_resource_calls(sub),
        *_conf_resources_calls(arm),
    ]
    # the groups' calls are built after the calls above ran: billing's move the clock on to the first invoices
    return _answers(arm, calls) + _answers(arm, _group_a_calls(arm))


def _answers(arm, calls: list[tuple]) -> list[tuple[str, str, str, int, object]]:
    answers = []
    for call in (_Call(*fields) for fields in calls):
        answer = arm.call(call.method, call.path, version=call.version, json=call.body, params=call.query)
        assert answer.status_code < 400, (call, answer.text)
        answers.append((call.method, call.path, call.version, answer.status_code,
                        answer.json() if answer.content else None))
    return answers


def test_each_covered_operation_answers_as_its_spec_declares(arm):
    router = build_router()
    found, judged = [], set()
    for method, path, version, status, body in _drive(arm):
        route, _ = router.match(method, path)
        judged.add((method, route.pattern.lower()))
        found += violations(method, route.pattern, version, status, body)
    assert not found, "responses that break the published specs:\n" + table(found)
    assert judged == set(operation_facts()), sorted(set(operation_facts()) - judged)


@pytest.mark.parametrize(("value", "problem"), [
    ({"properties": {"managementGroupId": None}}, "$.properties.managementGroupId is null"),
    ({"properties": {"tags": {"a": 1}}}, "$.properties.tags.a is int; the spec says string"),
    ({"id": True}, "$.id is bool; the spec says string"),
    ([], "$ is list; the spec says object"),
])
def test_the_check_finds_nulls_and_wrong_types(value, problem):
    alias = operation_facts()[("GET", "/providers/microsoft.subscription/aliases/{alias}")]
    assert any(p.startswith(problem) for p in schema_problems(alias["responses"]["200"], value, "$"))


def test_the_check_finds_undeclared_statuses_and_missing_required_properties():
    found = violations("POST", "/subscriptions/{sub}/providers/Microsoft.Subscription/cancel", "x", 204, None)
    assert len(found) == 1 and "status 204 is not declared (200)" in found[0].problem
    schema = {"type": "object", "required": ["location"], "properties": {"location": {"type": "string"}}}
    assert schema_problems(schema, {}, "$") == ["$.location is missing (required)"]
    assert schema_problems({**schema, "nullable": True}, None, "$") == []
