"""Build ``src/subplane/data/arm_spec_facts.json`` from published OpenAPI files of ``Azure/azure-rest-api-specs``.

The spec files are read from a local cache that is NOT committed: ``$SUBPLANE_SPEC_CACHE``, else
``~/.cache/subplane-specs``. Lay it out as the repository is (``<cache>/specification/.../stable/<version>/x.json``);
a file may be the whole published spec or an excerpt of it that keeps the served operations' ``paths`` entries and
the ``definitions`` they reference unchanged (an excerpt says so and names the commit in ``x-subplane-excerpt``).
Refreshing: copy the newer spec file into the cache, point ``OPERATIONS`` (below) at it, add the new version
folder to ``STABLE_VERSIONS`` and run ``python scripts/build_spec_facts.py``; commit the data file only.

Only facts are written: version lists, declared status codes and, per response, a schema summary (type,
required properties, property types, whether null is allowed). References outside the file (``common-types``)
are kept as ``{"type": "object", "external": true}``: their insides are not checked.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src" / "subplane" / "data" / "arm_spec_facts.json"
CACHE = Path(os.environ.get("SUBPLANE_SPEC_CACHE", Path.home() / ".cache" / "subplane-specs"))

_SUBSCRIPTION = "specification/subscription/resource-manager/Microsoft.Subscription"
_RESOURCES = "specification/resources/resource-manager/Microsoft.Resources"
_MANAGEMENT = "specification/managementgroups/resource-manager/Microsoft.Management"

# Per area: the spec folder whose stable/<version>/ subfolders publish its versions, and those versions as the
# repository lists them (find_files over the folder). ``beyond`` are versions the newest SDKs send that the stored
# copy of the repository predates, each with the client sending it; ``previews`` the previews strict mode accepts
# (docs/architecture.md, "API versions from the specs"), each with the client sending it.
AREAS: dict[str, dict] = {
    "subscriptions": {
        "specFolder": f"{_RESOURCES}/subscriptions/stable",
        "stable": ["2015-11-01", "2016-06-01", "2018-06-01", "2019-06-01", "2019-11-01", "2020-01-01", "2021-01-01",
                   "2022-12-01"],
        "beyond": {"2022-01-01": "accepted before this file (azure-mgmt-resource subscriptions profile)",
                   "2022-09-01": "accepted before this file (the metadata version some clients reuse)"},
    },
    "subscription-actions": {
        # 2016-06-01 publishes only subscription reads (served by the "subscriptions" area), not these operations
        "specFolder": f"{_SUBSCRIPTION}/stable",
        "stable": ["2020-01-01", "2020-09-01", "2021-10-01", "2023-01-01"],
        "previews": {"2019-03-01-preview": "an earlier azure-mgmt-subscription release",
                     "2024-08-01-preview": "an earlier azure-mgmt-subscription prerelease",
                     "2025-11-01-preview": "azure-mgmt-subscription 3.2.0b2 (every operation, aliases too)"},
    },
    "resources": {
        "specFolder": f"{_RESOURCES}/resources/stable",
        "stable": ["2016-02-01", "2017-05-10", "2018-02-01", "2018-05-01", "2019-03-01", "2019-05-01", "2019-05-10",
                   "2019-07-01", "2019-08-01", "2019-10-01", "2020-06-01", "2020-08-01", "2020-10-01", "2021-01-01",
                   "2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01", "2025-03-01",
                   "2025-04-01"],
    },
    "compute": {
        "specFolder": "specification/compute/resource-manager/Microsoft.Compute/ComputeRP/stable",
        "stable": ["2022-08-01", "2022-11-01", "2023-03-01", "2023-07-01", "2023-09-01", "2024-03-01", "2024-07-01",
                   "2024-11-01", "2025-04-01"],
        "beyond": {"2025-11-01": "azure-mgmt-compute (newest PyPI release)",
                   "2026-03-01": "npm @azure/arm-compute 24.1.0", "2026-04-01": "npm @azure/arm-compute 25.1.1"},
    },
    "network": {
        "specFolder": "specification/network/resource-manager/Microsoft.Network/stable",
        "stable": ["2015-06-15", "2020-11-01", "2022-01-01", "2022-05-01", "2023-04-01", "2023-09-01", "2024-01-01",
                   "2024-03-01", "2024-05-01", "2024-07-01", "2025-01-01", "2025-03-01", "2025-05-01"],
        "beyond": {"2025-09-01": "azure-mgmt-network (newest PyPI release)",
                   "2026-01-01": "npm @azure/arm-network 39.0.0", "2026-03-01": "npm @azure/arm-network (newest)"},
    },
    "storage": {
        "specFolder": "specification/storage/resource-manager/Microsoft.Storage/stable",
        "stable": ["2021-09-01", "2022-09-01", "2023-01-01", "2023-05-01", "2024-01-01", "2025-01-01", "2025-06-01"],
        "beyond": {"2025-08-01": "azure-mgmt-storage (newest PyPI release)",
                   "2026-09-01": "npm @azure/arm-storage (newest)"},
    },
    "authorization": {
        "specFolder": "specification/authorization/resource-manager/Microsoft.Authorization/stable",
        "stable": ["2015-07-01", "2022-04-01"],
        "previews": {"2018-01-01-preview": "azure-mgmt-authorization role definitions (az role definition list)",
                     "2020-04-01-preview": "az role assignment (azure-cli's pinned profile)",
                     "2022-05-01-preview": "azure-mgmt-authorization role definitions (newest release)"},
    },
    "metadata": {
        "specFolder": "",  # ARM's /metadata/endpoints has no spec file: the versions az and the SDKs send
        "stable": [],
        "beyond": {"2019-05-01": "older azure-cli", "2020-06-01": "azure-identity / azure-cli",
                   "2022-09-01": "azure-cli (newest)"},
    },
    "consumption": {
        "specFolder": "specification/consumption/resource-manager/Microsoft.Consumption/stable",
        "stable": ["2019-10-01", "2021-10-01", "2023-03-01", "2023-05-01", "2023-11-01", "2024-08-01"],
    },
    "insights": {
        "specFolder": "specification/monitor/resource-manager/Microsoft.Insights/stable",  # activityLogs_API.json
        "stable": ["2015-04-01"],
    },
    "billing": {
        "specFolder": "specification/billing/resource-manager/Microsoft.Billing/stable",
        "stable": ["2020-05-01", "2021-10-01", "2024-04-01"],
        "previews": {"2019-10-01-preview": "az billing (azure-cli's pinned azure-mgmt-billing)"},
    },
    "costmanagement": {
        "specFolder": "specification/cost-management/resource-manager/Microsoft.CostManagement/stable",
        "stable": ["2019-11-01", "2021-10-01", "2022-10-01", "2023-03-01", "2023-11-01", "2024-08-01", "2025-03-01"],
    },
    "management": {
        "specFolder": f"{_MANAGEMENT}/stable",
        "stable": ["2019-11-01", "2020-02-01", "2020-03-01", "2020-05-01", "2020-10-01", "2021-04-01", "2023-04-01"],
    },
}

_ALIASES_2021 = f"{_SUBSCRIPTION}/stable/2021-10-01/subscriptions.json"
_SUBSCRIPTIONS_2022 = f"{_RESOURCES}/subscriptions/stable/2022-12-01/subscriptions.json"
_GROUPS_2023 = f"{_MANAGEMENT}/stable/2023-04-01/management.json"
_GROUP = "/providers/Microsoft.Management/managementGroups/{groupId}"
_RESOURCES_2025 = f"{_RESOURCES}/resources/stable/2025-04-01/resources.json"
_TAG_SCOPES = ("/subscriptions/{sub}", "/subscriptions/{sub}/resourceGroups/{rg}",
               "/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{kind}/{name}")
_ASSIGNMENTS_2022 = ("specification/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/"
                     "authorization-RoleAssignmentsCalls.json")
_DEFINITIONS_2022 = _ASSIGNMENTS_2022.replace("RoleAssignmentsCalls", "RoleDefinitionsCalls")
_DEFINITION_SCOPES = ("", "/subscriptions/{sub}", "/subscriptions/{sub}/resourceGroups/{rg}")
_ASSIGNMENT_SCOPES = ("/subscriptions/{sub}", "/subscriptions/{sub}/resourceGroups/{rg}",
                      "/providers/Microsoft.Management/managementGroups/{mg}")
_ACTIVITY_LOG = "specification/monitor/resource-manager/Microsoft.Insights/stable/2015-04-01/activityLogs_API.json"
# --- conf-resources (issue 12 item 6, group B): providers, classic administrators, compute, network, storage ---
# These excerpts keep what Subplane answers; a property whose definition was not read (the VM's extension resources,
# a storage account's identity, placement, geo-replication and routing settings, a NIC tap configuration's
# properties) is left out, each named in the excerpt's x-subplane-excerpt, and so is not checked.
_CLASSIC_ADMINS_2015 = ("specification/authorization/resource-manager/Microsoft.Authorization/stable/2015-07-01/"
                        "authorization-ClassicAdminCalls.json")
_STORAGE_2025 = "specification/storage/resource-manager/Microsoft.Storage/stable/2025-06-01/storage.json"
_STORAGE_ACCOUNTS = "/providers/Microsoft.Storage/storageAccounts"
_SPEC_ACCOUNT = ("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Storage/"
                 "storageAccounts/{accountName}")
_SPEC_GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
_COMPUTE_2025 = ("specification/compute/resource-manager/Microsoft.Compute/ComputeRP/stable/2025-04-01/"
                 "virtualMachine.json")
_VMS = "/providers/Microsoft.Compute/virtualMachines"
_VM, _SPEC_VM = f"/subscriptions/{{sub}}/resourceGroups/{{rg}}{_VMS}/{{name}}", f"{_SPEC_GROUP}{_VMS}/{{vmName}}"
_NETWORK_2025 = "specification/network/resource-manager/Microsoft.Network/stable/2025-05-01"


def _network_rows(kind: str, spec_name: str, relative: str) -> list[tuple[str, str, str, str, str, str]]:
    """A network resource's six operations: its two lists and the item's GET, PUT, PATCH and DELETE."""
    kinds = f"/providers/Microsoft.Network/{kind}"
    group = "/subscriptions/{sub}/resourceGroups/{rg}"
    return [("GET", f"/subscriptions/{{sub}}{kinds}", "network", relative, f"/subscriptions/{{subscriptionId}}{kinds}",
             "get"),
            ("GET", f"{group}{kinds}", "network", relative, f"{_SPEC_GROUP}{kinds}", "get"),
            *[(method, f"{group}{kinds}/{{name}}", "network", relative, f"{_SPEC_GROUP}{kinds}/{{{spec_name}}}",
               method.lower()) for method in ("GET", "PUT", "PATCH", "DELETE")]]


_CONF_RESOURCES_OPERATIONS: list[tuple[str, str, str, str, str, str]] = [
    ("GET", "/subscriptions/{sub}/providers", "resources", _RESOURCES_2025, "/subscriptions/{subscriptionId}/providers",
     "get"),
    ("POST", "/subscriptions/{sub}/providers/{ns}/register", "resources", _RESOURCES_2025,
     "/subscriptions/{subscriptionId}/providers/{resourceProviderNamespace}/register", "post"),
    ("GET", "/subscriptions/{sub}/providers/Microsoft.Authorization/classicAdministrators", "authorization",
     _CLASSIC_ADMINS_2015, "/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/classicAdministrators",
     "get"),
    ("POST", "/subscriptions/{sub}/providers/Microsoft.Storage/checkNameAvailability", "storage", _STORAGE_2025,
     "/subscriptions/{subscriptionId}/providers/Microsoft.Storage/checkNameAvailability", "post"),
    ("GET", f"/subscriptions/{{sub}}{_STORAGE_ACCOUNTS}", "storage", _STORAGE_2025,
     f"/subscriptions/{{subscriptionId}}{_STORAGE_ACCOUNTS}", "get"),
    ("GET", f"/subscriptions/{{sub}}/resourceGroups/{{rg}}{_STORAGE_ACCOUNTS}", "storage", _STORAGE_2025,
     f"/subscriptions/{{subscriptionId}}/resourceGroups/{{resourceGroupName}}{_STORAGE_ACCOUNTS}", "get"),
    *[(method, f"/subscriptions/{{sub}}/resourceGroups/{{rg}}{_STORAGE_ACCOUNTS}/{{name}}", "storage", _STORAGE_2025,
       _SPEC_ACCOUNT, method.lower()) for method in ("GET", "PUT", "PATCH", "DELETE")],
    *[("POST", f"/subscriptions/{{sub}}/resourceGroups/{{rg}}{_STORAGE_ACCOUNTS}/{{name}}/{action}", "storage",
       _STORAGE_2025, f"{_SPEC_ACCOUNT}/{action}", "post") for action in ("listKeys", "regenerateKey")],
    *[row for kind, spec_name, file in (("publicIPAddresses", "publicIpAddressName", "publicIpAddress.json"),
                                        ("networkInterfaces", "networkInterfaceName", "networkInterface.json"))
      for row in _network_rows(kind, spec_name, f"{_NETWORK_2025}/{file}")],
    ("GET", f"/subscriptions/{{sub}}{_VMS}", "compute", _COMPUTE_2025, f"/subscriptions/{{subscriptionId}}{_VMS}",
     "get"),
    ("GET", f"/subscriptions/{{sub}}/resourceGroups/{{rg}}{_VMS}", "compute", _COMPUTE_2025, f"{_SPEC_GROUP}{_VMS}",
     "get"),
    *[(method, _VM, "compute", _COMPUTE_2025, _SPEC_VM, method.lower())
      for method in ("GET", "PUT", "PATCH", "DELETE")],
    ("GET", f"{_VM}/instanceView", "compute", _COMPUTE_2025, f"{_SPEC_VM}/instanceView", "get"),
    # one served route for the four power actions: VirtualMachines_Start, _PowerOff, _Restart and _Deallocate declare
    # the same answers (200 and 202, no body; long-running) in this file, so Start's stand for all four
    ("POST", f"{_VM}/{{action}}", "compute", _COMPUTE_2025, f"{_SPEC_VM}/start", "post"),
]
# --- end of conf-resources ---

# --- Group A (conf-billing): budgets and usage details (Microsoft.Consumption), cost query, Microsoft.Billing ---
_CONSUMPTION_2024 = ("specification/consumption/resource-manager/Microsoft.Consumption/stable/2024-08-01/"
                     "consumption.json")
_BUDGET_SCOPES = ("/subscriptions/{sub}", "/subscriptions/{sub}/resourceGroups/{rg}")
_COST_2025 = ("specification/cost-management/resource-manager/Microsoft.CostManagement/stable/2025-03-01/"
              "costmanagement.json")
_COST_SCOPES = (*_BUDGET_SCOPES, "/providers/Microsoft.Billing/billingAccounts/{account}")
_BILLING_2024 = "specification/billing/resource-manager/Microsoft.Billing/stable/2024-04-01"
_ACCOUNTS = "/providers/Microsoft.Billing/billingAccounts"
_ACCOUNT, _SPEC_ACCOUNT = "/{account}", "/{billingAccountName}"
_BY_SUB = "/default/billingSubscriptions/{sid}/invoices"
_SPEC_BY_SUB = "/default/billingSubscriptions/{subscriptionId}/invoices"
# (method, route under billingAccounts, spec file, the spec's path under billingAccounts)
_BILLING_ROUTES = [
    ("GET", "", "billingAccount.json", ""),
    ("GET", _ACCOUNT, "billingAccount.json", _SPEC_ACCOUNT),
    ("GET", f"{_ACCOUNT}/billingSubscriptions", "billingSubscription.json", f"{_SPEC_ACCOUNT}/billingSubscriptions"),
    *[(method, f"{_ACCOUNT}/billingSubscriptions/{{sid}}{action}", "billingSubscription.json",
       f"{_SPEC_ACCOUNT}/billingSubscriptions/{{billingSubscriptionName}}{action}")
      for method, action in (("GET", ""), ("POST", "/cancel"))],
    ("GET", f"{_ACCOUNT}/invoices", "invoice.json", f"{_SPEC_ACCOUNT}/invoices"),
    ("GET", f"{_ACCOUNT}/invoices/{{invoice}}", "invoice.json", f"{_SPEC_ACCOUNT}/invoices/{{invoiceName}}"),
    ("POST", f"{_ACCOUNT}/invoices/{{invoice}}/download", "invoice.json",
     f"{_SPEC_ACCOUNT}/invoices/{{invoiceName}}/download"),
    ("GET", f"{_ACCOUNT}/invoices/{{invoice}}/transactions", "transaction.json",
     f"{_SPEC_ACCOUNT}/invoices/{{invoiceName}}/transactions"),
    ("GET", _BY_SUB, "invoice.json", _SPEC_BY_SUB),
    ("GET", f"{_BY_SUB}/{{invoice}}", "invoice.json", f"{_SPEC_BY_SUB}/{{invoiceName}}"),
    ("POST", f"{_BY_SUB}/{{invoice}}/download", "invoice.json", f"{_SPEC_BY_SUB}/{{invoiceName}}/download"),
]
_GROUP_A_OPERATIONS: list[tuple[str, str, str, str, str, str]] = [
    ("GET", "/subscriptions/{sub}/providers/Microsoft.Consumption/usageDetails", "consumption", _CONSUMPTION_2024,
     "/{scope}/providers/Microsoft.Consumption/usageDetails", "get"),
    *[("GET", f"{scope}/providers/Microsoft.Consumption/budgets", "consumption", _CONSUMPTION_2024,
       "/{scope}/providers/Microsoft.Consumption/budgets", "get") for scope in _BUDGET_SCOPES],
    *[(method, f"{scope}/providers/Microsoft.Consumption/budgets/{{name}}", "consumption", _CONSUMPTION_2024,
       "/{scope}/providers/Microsoft.Consumption/budgets/{budgetName}", method.lower())
      for scope in _BUDGET_SCOPES for method in ("GET", "PUT", "DELETE")],
    *[("POST", f"{scope}/providers/Microsoft.CostManagement/query", "costmanagement", _COST_2025,
       "/{scope}/providers/Microsoft.CostManagement/query", "post") for scope in _COST_SCOPES],
    *[(method, f"{_ACCOUNTS}{route}", "billing", f"{_BILLING_2024}/{file}", f"{_ACCOUNTS}{spec_path}", method.lower())
      for method, route, file, spec_path in _BILLING_ROUTES],
]
# --- end of Group A ---
# Served operation (method, Subplane's route pattern) -> (area, spec file, the spec's path, the spec's method).
OPERATIONS: list[tuple[str, str, str, str, str, str]] = [
    ("POST", "/subscriptions/{sub}/providers/Microsoft.Subscription/cancel", "subscription-actions", _ALIASES_2021,
     "/subscriptions/{subscriptionId}/providers/Microsoft.Subscription/cancel", "post"),
    ("POST", "/subscriptions/{sub}/providers/Microsoft.Subscription/enable", "subscription-actions", _ALIASES_2021,
     "/subscriptions/{subscriptionId}/providers/Microsoft.Subscription/enable", "post"),
    ("POST", "/subscriptions/{sub}/providers/Microsoft.Subscription/rename", "subscription-actions", _ALIASES_2021,
     "/subscriptions/{subscriptionId}/providers/Microsoft.Subscription/rename", "post"),
    ("GET", "/providers/Microsoft.Subscription/operations", "subscription-actions", _ALIASES_2021,
     "/providers/Microsoft.Subscription/operations", "get"),
    ("PUT", "/providers/Microsoft.Subscription/aliases/{alias}", "subscription-actions", _ALIASES_2021,
     "/providers/Microsoft.Subscription/aliases/{aliasName}", "put"),
    ("GET", "/providers/Microsoft.Subscription/aliases/{alias}", "subscription-actions", _ALIASES_2021,
     "/providers/Microsoft.Subscription/aliases/{aliasName}", "get"),
    ("DELETE", "/providers/Microsoft.Subscription/aliases/{alias}", "subscription-actions", _ALIASES_2021,
     "/providers/Microsoft.Subscription/aliases/{aliasName}", "delete"),
    ("GET", "/providers/Microsoft.Subscription/aliases", "subscription-actions", _ALIASES_2021,
     "/providers/Microsoft.Subscription/aliases", "get"),
    ("GET", "/subscriptions", "subscriptions", _SUBSCRIPTIONS_2022, "/subscriptions", "get"),
    ("GET", "/subscriptions/{sub}", "subscriptions", _SUBSCRIPTIONS_2022, "/subscriptions/{subscriptionId}", "get"),
    ("GET", "/subscriptions/{sub}/locations", "subscriptions", _SUBSCRIPTIONS_2022,
     "/subscriptions/{subscriptionId}/locations", "get"),
    ("GET", "/tenants", "subscriptions", _SUBSCRIPTIONS_2022, "/tenants", "get"),
    # 2023-04-01 (TypeSpec-made) files the tenant's list under a subscription and repeats {groupId} in the
    # descendants path; the operations, and their answers, are the ones Subplane serves at ARM's paths
    ("GET", "/providers/Microsoft.Management/managementGroups", "management", _GROUPS_2023,
     "/subscriptions/{subscriptionId}/providers/Microsoft.Management/managementGroups", "get"),
    *[(method, "/providers/Microsoft.Management/managementGroups/{mg}", "management", _GROUPS_2023, _GROUP,
       method.lower()) for method in ("GET", "PUT", "PATCH", "DELETE")],
    ("GET", "/providers/Microsoft.Management/managementGroups/{mg}/descendants", "management", _GROUPS_2023,
     f"{_GROUP}/descendants/{{groupId}}", "get"),
    ("POST", "/providers/Microsoft.Management/getEntities", "management", _GROUPS_2023,
     "/providers/Microsoft.Management/getEntities", "post"),
    ("GET", "/providers/Microsoft.Management/managementGroups/{mg}/settings", "management", _GROUPS_2023,
     f"{_GROUP}/settings", "get"),
    *[(method, "/providers/Microsoft.Management/managementGroups/{mg}/settings/default", "management", _GROUPS_2023,
       f"{_GROUP}/settings/default", method.lower()) for method in ("GET", "PUT", "PATCH")],
    ("GET", "/providers/Microsoft.Management/managementGroups/{mg}/subscriptions", "management", _GROUPS_2023,
     f"{_GROUP}/subscriptions", "get"),
    *[(method, "/providers/Microsoft.Management/managementGroups/{mg}/subscriptions/{sid}", "management",
       _GROUPS_2023, f"{_GROUP}/subscriptions/{{subscriptionId}}", method.lower()) for method in ("GET", "PUT", "DELETE")],
    *[(method, "/subscriptions/{sub}/resourcegroups/{rg}", "resources", _RESOURCES_2025,
       "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}", method.lower())
      for method in ("GET", "PUT", "PATCH", "DELETE")],
    ("GET", "/subscriptions/{sub}/resourcegroups", "resources", _RESOURCES_2025,
     "/subscriptions/{subscriptionId}/resourcegroups", "get"),
    ("GET", "/subscriptions/{sub}/resources", "resources", _RESOURCES_2025, "/subscriptions/{subscriptionId}/resources",
     "get"),
    ("GET", "/subscriptions/{sub}/resourcegroups/{rg}/resources", "resources", _RESOURCES_2025,
     "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/resources", "get"),
    ("GET", "/subscriptions/{sub}/providers/{ns}", "resources", _RESOURCES_2025,
     "/subscriptions/{subscriptionId}/providers/{resourceProviderNamespace}", "get"),
    *[(method, f"{scope}/providers/Microsoft.Resources/tags/default", "resources", _RESOURCES_2025,
       "/{scope}/providers/Microsoft.Resources/tags/default", method.lower())
      for scope in _TAG_SCOPES for method in ("GET", "PUT", "PATCH", "DELETE")],
    *[("GET", f"{scope}/providers/Microsoft.Authorization/roleDefinitions{one}", "authorization", _DEFINITIONS_2022,
       f"/{{scope}}/providers/Microsoft.Authorization/roleDefinitions{spec_one}", "get")
      for scope in _DEFINITION_SCOPES for one, spec_one in (("", ""), ("/{definition}", "/{roleDefinitionId}"))],
    ("GET", "/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments", "authorization", _ASSIGNMENTS_2022,
     "/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleAssignments", "get"),
    ("GET", "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Authorization/roleAssignments", "authorization",
     _ASSIGNMENTS_2022, "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
                        "Microsoft.Authorization/roleAssignments", "get"),
    ("GET", "/providers/Microsoft.Management/managementGroups/{mg}/providers/Microsoft.Authorization/roleAssignments",
     "authorization", _ASSIGNMENTS_2022, "/{scope}/providers/Microsoft.Authorization/roleAssignments", "get"),
    *[(method, f"{scope}/providers/Microsoft.Authorization/roleAssignments/{{assignment}}", "authorization",
       _ASSIGNMENTS_2022, "/{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
       method.lower()) for scope in _ASSIGNMENT_SCOPES for method in ("GET", "PUT", "DELETE")
      if (scope, method) != (_ASSIGNMENT_SCOPES[2], "GET")],  # a group's assignment is read through its list
    ("GET", "/subscriptions/{sub}/providers/Microsoft.Insights/eventtypes/management/values", "insights", _ACTIVITY_LOG,
     "/subscriptions/{subscriptionId}/providers/microsoft.insights/eventtypes/management/values", "get"),
    *_CONF_RESOURCES_OPERATIONS,
    # --- Group A (conf-billing): Microsoft.Consumption, Microsoft.CostManagement query, Microsoft.Billing ---
    *_GROUP_A_OPERATIONS,
]


class SpecFile:
    def __init__(self, relative: str) -> None:
        self.relative = relative
        self.document = json.loads((CACHE / relative).read_text("utf-8"))

    def operation(self, path: str, method: str) -> dict:
        return self.document["paths"][path][method]

    def summary(self, schema: dict, seen: frozenset[str] = frozenset()) -> dict:
        """The checkable facts of a schema: type, required, properties, items, additionalProperties, nullable."""
        ref = schema.get("$ref")
        if ref is not None:
            if not ref.startswith("#/definitions/"):
                return {"type": "object", "external": True}
            name = ref.removeprefix("#/definitions/")
            if name in seen:  # a recursive definition: its inner levels are not checked again
                return {"type": "object", "recursive": name}
            merged = {**self.document["definitions"][name], **{k: v for k, v in schema.items() if k != "$ref"}}
            return self.summary(merged, seen | {name})
        facts: dict = {}
        for part in schema.get("allOf", []):
            inherited = self.summary(part, seen)
            facts.setdefault("properties", {}).update(inherited.get("properties", {}))
            facts.setdefault("required", []).extend(inherited.get("required", []))
        kind = schema.get("type") or ("object" if "properties" in schema or facts else None)
        if kind:
            facts["type"] = kind
        if schema.get("x-nullable"):
            facts["nullable"] = True
        if schema.get("required"):
            facts["required"] = sorted(set(facts.get("required", [])) | set(schema["required"]))
        if "properties" in schema:
            facts.setdefault("properties", {}).update(
                {name: self.summary(child, seen) for name, child in schema["properties"].items()})
        if isinstance(schema.get("additionalProperties"), dict):
            facts["additionalProperties"] = self.summary(schema["additionalProperties"], seen)
        if "items" in schema:
            facts["items"] = self.summary(schema["items"], seen)
        return facts


def build() -> dict:
    files: dict[str, SpecFile] = {}
    operations = []
    for method, route, area, relative, spec_path, spec_method in OPERATIONS:
        spec = files.setdefault(relative, SpecFile(relative))
        operation = spec.operation(spec_path, spec_method)
        responses = {code: spec.summary(answer["schema"]) if "schema" in answer else None
                     for code, answer in operation["responses"].items() if code != "default"}
        operations.append({"method": method, "route": route, "area": area, "spec": relative,
                           "operationId": operation["operationId"], "statuses": sorted(responses),
                           "longRunning": bool(operation.get("x-ms-long-running-operation")),
                           "responses": responses})
    return {
        "about": "Facts read from Azure/azure-rest-api-specs by scripts/build_spec_facts.py: do not edit by hand.",
        "areas": AREAS,
        "operations": operations,
    }


def main() -> int:
    if not CACHE.is_dir():
        print(f"no spec cache at {CACHE} (set SUBPLANE_SPEC_CACHE)", file=sys.stderr)
        return 1
    OUTPUT.write_text(json.dumps(build(), indent=1, sort_keys=False) + "\n", "utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
