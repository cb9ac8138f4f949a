"""Every api-version the newest installed SDKs send for an operation Subplane serves is accepted in strict mode
(issue 12, item 1): PyPI azure-mgmt-* always, npm @azure/arm-* when SUBPLANE_JS_MODULES names a node_modules."""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

import pytest

from subplane.api.arm import build_router
from subplane.api.arm.errors import ArmError
from subplane.api.arm.versions import SUPPORTED

from .sdk_requests import concrete, js_requests, python_requests


def _area(router, template: str) -> str | None:
    path = concrete(template)
    for method in ("GET", "PUT", "POST", "PATCH", "DELETE"):
        try:
            return router.match(method, path)[0].area
        except ArmError as refused:
            if refused.status == 404:
                return None
    return None


def _missing(requests: list[tuple[str, str, str]]) -> list[str]:
    router = build_router()
    missing, served = [], 0
    for source, template, version in requests:
        area = _area(router, template)
        if area is None or area == "any":
            continue
        served += 1
        if version not in SUPPORTED[area]:
            missing.append(f"{area:<22} {version:<20} {template}  ({source})")
    assert served, "no SDK request matched a served route: the reader no longer understands the SDK files"
    return sorted(set(missing))


def test_every_version_the_installed_pypi_sdks_send_is_accepted():
    requests = python_requests(Path(sysconfig.get_paths()["purelib"]))
    assert len(requests) > 100
    missing = _missing(requests)
    assert not missing, "served operations whose SDK version is not accepted:\n" + "\n".join(missing)


@pytest.mark.skipif(not os.environ.get("SUBPLANE_JS_MODULES"), reason="SUBPLANE_JS_MODULES names no node_modules")
def test_every_version_the_installed_npm_sdks_send_is_accepted():
    requests = js_requests(Path(os.environ["SUBPLANE_JS_MODULES"]))
    assert requests
    missing = _missing(requests)
    assert not missing, "served operations whose SDK version is not accepted:\n" + "\n".join(missing)
