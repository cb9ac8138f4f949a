"""Which api-versions each ARM area accepts: every version the current SDKs and az CLI send (research §6).

Policy ``strict`` refuses other versions like ARM does; ``lenient`` accepts any well-formed version,
for clients we have not listed yet (``--api-version-policy lenient`` / ``SUBPLANE_API_VERSION_POLICY``).
"""

from __future__ import annotations

import re

from .errors import ArmError, missing_api_version

POLICIES = ("strict", "lenient")
_WELL_FORMED = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha|-privatepreview)?$", re.IGNORECASE)

SUPPORTED: dict[str, tuple[str, ...]] = {
    "subscriptions": ("2016-06-01", "2018-06-01", "2019-06-01", "2019-11-01", "2020-01-01", "2021-01-01",
                      "2022-01-01", "2022-09-01", "2022-12-01"),
    "subscription-actions": ("2019-03-01-preview", "2020-09-01", "2021-10-01", "2024-08-01-preview",
                             "2025-11-01-preview"),
    "resources": ("2019-10-01", "2020-06-01", "2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01",
                  "2024-07-01", "2024-11-01", "2025-03-01", "2025-04-01"),
    "compute": ("2022-08-01", "2022-11-01", "2023-03-01", "2023-07-01", "2023-09-01", "2024-03-01", "2024-07-01",
                "2024-11-01", "2025-04-01", "2025-11-01", "2026-03-01", "2026-04-01"),
    "network": ("2015-06-15", "2020-11-01", "2022-01-01", "2022-05-01", "2023-04-01", "2023-09-01", "2024-01-01",
                "2024-03-01", "2024-05-01", "2024-07-01", "2025-01-01", "2025-03-01", "2025-05-01", "2025-09-01",
                "2026-01-01", "2026-03-01"),
    "storage": ("2021-09-01", "2022-09-01", "2023-01-01", "2023-05-01", "2024-01-01", "2025-01-01", "2025-06-01",
                "2025-08-01", "2026-09-01"),
    "authorization": ("2015-07-01", "2018-01-01-preview", "2020-04-01-preview", "2022-04-01",
                      "2022-05-01-preview"),
    "metadata": ("2019-05-01", "2020-06-01", "2022-09-01"),
    "consumption": ("2019-10-01", "2021-10-01", "2023-03-01", "2023-05-01", "2023-11-01", "2024-08-01"),  # billing
    "insights": ("2015-04-01",),
    "billing": ("2019-10-01-preview", "2020-05-01", "2021-10-01", "2024-04-01"),
    "costmanagement": ("2019-11-01", "2021-10-01", "2022-10-01", "2023-03-01", "2023-11-01", "2024-08-01",
                       "2025-03-01"),
    "management": ("2019-11-01", "2020-02-01", "2020-03-01", "2020-05-01", "2020-10-01", "2021-04-01", "2023-04-01"),  # the activity log: its only published version
}
# Where each list is read from: the folder of Azure/azure-rest-api-specs whose ``stable/<version>/`` (and, where
# listed, ``preview/<version>/``) subfolders publish the area's versions, plus the versions the newest SDKs send
# that the stored spec copy predates (npm @azure/arm-compute 24.1.0 sends 2026-03-01 for virtualMachines,
# 25.1.1 sends 2026-04-01; @azure/arm-network 39.0.0 sends 2026-01-01).
SPEC_SOURCES: dict[str, str] = {
    "subscriptions": "specification/resources/resource-manager/Microsoft.Resources/subscriptions/stable",
    "subscription-actions": "specification/subscription/resource-manager/Microsoft.Subscription/stable",
    "resources": "specification/resources/resource-manager/Microsoft.Resources/resources/stable",
    "compute": "specification/compute/resource-manager/Microsoft.Compute/ComputeRP/stable",
    "network": "specification/network/resource-manager/Microsoft.Network/stable",
    "storage": "specification/storage/resource-manager/Microsoft.Storage/stable",
    "authorization": "specification/authorization/resource-manager/Microsoft.Authorization/stable",
    "metadata": "ARM's /metadata/endpoints (no spec file; the versions az and the SDKs send)",
    "consumption": "specification/consumption/resource-manager/Microsoft.Consumption/stable",
    "management": "specification/managementgroups/resource-manager/Microsoft.Management/stable",
    "costmanagement": "specification/cost-management/resource-manager/Microsoft.CostManagement/stable",
    "billing": "specification/billing/resource-manager/Microsoft.Billing/stable",
    "insights": "specification/monitor/resource-manager/Microsoft.Insights/stable/2015-04-01/activityLogs_API.json",
}
# Strict mode also accepts the previews the current SDK prereleases send, for the operations Subplane serves
# (their request and response shapes for those operations are the stable ones'); each with the client sending it.
PRERELEASE_SOURCES: dict[str, dict[str, str]] = {
    "subscription-actions": {"2024-08-01-preview": "an earlier azure-mgmt-subscription prerelease (listed before "
                                                   "this table named its sources)",
                             "2025-11-01-preview": "azure-mgmt-subscription 3.2.0b2 (every operation, aliases too)"},
}
_SUPPORTED_LOWER = {area: {v.lower() for v in versions} for area, versions in SUPPORTED.items()}


def check(area: str, version: str | None, policy: str, resource_type: str) -> None:
    if not version:
        raise missing_api_version()
    if area == "any":  # polling URLs carry whatever version the operation was started with
        return
    if version.lower() in _SUPPORTED_LOWER[area]:
        return
    if policy == "lenient" and _WELL_FORMED.match(version):
        return
    supported = ", ".join(SUPPORTED[area])
    if area in ("subscriptions", "resources", "metadata"):
        raise ArmError(400, "InvalidApiVersionParameter",
                       f"The api-version '{version}' is invalid. The supported versions are '{supported}'.")
    raise ArmError(400, "NoRegisteredProviderFound",
                   f"No registered resource provider found for location 'global' and API version '{version}' for "
                   f"type '{resource_type}'. The supported api-versions are '{supported}'.")
