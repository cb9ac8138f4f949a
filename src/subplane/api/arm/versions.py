"""Which api-versions each ARM area accepts, read from the spec facts file (``data/arm_spec_facts.json``).

Policy ``strict`` refuses other versions like ARM does; ``lenient`` accepts any well-formed version,
for clients we have not listed yet (``--api-version-policy lenient`` / ``SUBPLANE_API_VERSION_POLICY``).
"""

from __future__ import annotations

import re

from . import spec_facts
from .errors import ArmError, missing_api_version

POLICIES = ("strict", "lenient")
_WELL_FORMED = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha|-privatepreview)?$", re.IGNORECASE)

_AREAS = spec_facts.facts()["areas"]
# Every version each area accepts in strict mode (the spec folder's stable ones, the newer ones clients send, the
# previews the current SDK prereleases send: docs/architecture.md, "API versions from the specs").
SUPPORTED: dict[str, tuple[str, ...]] = {name: spec_facts.accepted_versions(area) for name, area in _AREAS.items()}
# The folder of Azure/azure-rest-api-specs whose stable/<version>/ subfolders publish each area's versions.
SPEC_SOURCES: dict[str, str] = {name: area["specFolder"] or "ARM's /metadata/endpoints (no spec file; the versions "
                                "az and the SDKs send)" for name, area in _AREAS.items()}
# The previews strict mode accepts, each with the client sending it.
PRERELEASE_SOURCES: dict[str, dict[str, str]] = {name: area["previews"] for name, area in _AREAS.items()
                                                 if area.get("previews")}
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
