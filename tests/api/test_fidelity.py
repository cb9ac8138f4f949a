"""Fidelity to the published contract and to clients our other tests do not pin (issue 12): api-versions the
newest SDKs send, final LRO polls as each operation's spec declares, collapsed slashes, UpdateTags on every
resource type, no nulls where the spec's strings are not nullable."""

from __future__ import annotations

import pytest

from subplane.api.arm.versions import PRERELEASE_SOURCES, SPEC_SOURCES, SUPPORTED

from .conftest import ACTION_VERSION
from .test_aliases import _put, _scope

RG_VERSION, NET_VERSION = "2025-04-01", "2025-05-01"
# (area, a served path under the subscription, the version the newest SDK release sends for it)
NEWEST_SDKS_SEND = [
    ("compute", "/providers/Microsoft.Compute/virtualMachines", "2026-03-01"),  # npm @azure/arm-compute 24.1.0
    ("compute", "/providers/Microsoft.Compute/virtualMachines", "2026-04-01"),  # npm @azure/arm-compute 25.1.1
    ("network", "/providers/Microsoft.Network/publicIPAddresses", "2026-01-01"),  # npm @azure/arm-network 39.0.0
    ("resources", "/resourcegroups", "2025-04-01"),  # npm @azure/arm-resources 8.0.0
]


def _vm(sub: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/productie-rg/providers/Microsoft.Compute/virtualMachines/web-01"


def _auth(arm) -> dict:
    return {"Authorization": f"Bearer {arm.token()}"}


def test_every_area_names_the_spec_folder_its_versions_come_from():
    assert set(SPEC_SOURCES) == set(SUPPORTED)
    assert all(source for source in SPEC_SOURCES.values())


@pytest.mark.parametrize(("area", "collection", "version"), NEWEST_SDKS_SEND)
def test_the_versions_the_newest_sdks_send_are_accepted(arm, area, collection, version):
    assert version in SUPPORTED[area]
    sub = arm.subscription_id("Productie")
    answer = arm.call("GET", f"/subscriptions/{sub}{collection}", version=version)
    assert answer.status_code == 200, answer.text
    assert isinstance(answer.json()["value"], list)


@pytest.mark.parametrize("action", ["deallocate", "start", "powerOff", "restart"])
def test_the_final_location_poll_of_a_power_action_answers_200(arm, action):
    sub = arm.subscription_id("Productie")
    answer = arm.call("POST", f"{_vm(sub)}/{action}", version="2026-03-01")
    assert answer.status_code == 202, answer.text
    final = arm.client.get(answer.headers["Location"], headers=_auth(arm))
    assert final.status_code == 200 and final.content == b""  # VirtualMachines_Deallocate/Start declare 200, 202


def test_resource_group_delete_polls_to_200_and_a_missing_group_is_404(arm):
    sub = arm.subscription_id("Ontwikkeling")
    path = f"/subscriptions/{sub}/resourcegroups/gone-soon"
    assert arm.call("PUT", path, version=RG_VERSION, json={"location": "westeurope"}).status_code == 201
    deleted = arm.call("DELETE", path, version=RG_VERSION)
    assert deleted.status_code == 202
    assert arm.client.get(deleted.headers["Location"], headers=_auth(arm)).status_code == 200
    again = arm.call("DELETE", path, version=RG_VERSION)
    assert again.status_code == 404 and again.json()["error"]["code"] == "ResourceGroupNotFound"
    assert "gone-soon" in again.json()["error"]["message"]


@pytest.mark.parametrize("path", ["//metadata/endpoints", "/metadata//endpoints", "//metadata/endpoints/"])
def test_repeated_slashes_collapse_like_arm(arm, path):
    answer = arm.client.get(f"https://testserver{path}", params={"api-version": "2022-09-01"})  # not //host/...
    assert answer.status_code == 200, answer.text
    assert answer.json()["resourceManager"].startswith("https://testserver")


def test_repeated_slashes_inside_a_resource_path_reach_the_resource(arm):
    sub = arm.subscription_id("Productie")
    answer = arm.call("GET", _vm(sub).replace("/providers/", "//providers//"), version="2026-04-01")
    assert answer.status_code == 200 and answer.json()["name"] == "web-01"


@pytest.mark.parametrize("segment,name", [("publicIPAddresses", "web-01-ip"), ("networkInterfaces", "web-01-nic")])
def test_update_tags_on_network_resources(arm, segment, name):
    sub = arm.subscription_id("Productie")
    path = f"/subscriptions/{sub}/resourceGroups/productie-rg/providers/Microsoft.Network/{segment}/{name}"
    patched = arm.call("PATCH", path, version=NET_VERSION, json={"tags": {"team": "web"}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["tags"] == {"team": "web"} and patched.json()["name"] == name
    assert arm.call("GET", path, version=NET_VERSION).json()["tags"] == {"team": "web"}
    refused = arm.call("PATCH", path, version=NET_VERSION, json={"tags": {"a/b": "x"}})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "InvalidTagNameCharacters"
    assert arm.call("GET", path, version=NET_VERSION).json()["tags"] == {"team": "web"}  # the refusal changed nothing


def test_alias_leaves_out_absent_optional_strings_instead_of_null(arm):
    created = _put(arm, "no-nulls", displayName="No nulls", workload="Production", billingScope=_scope(arm))
    assert created.status_code == 201, created.text
    for answer in (created, arm.call("GET", "/providers/Microsoft.Subscription/aliases/no-nulls",
                                     version=ACTION_VERSION)):
        properties = answer.json()["properties"]
        assert None not in properties.values(), properties
        for absent in ("acceptOwnershipUrl", "managementGroupId", "resellerId"):
            assert absent not in properties
        assert properties["displayName"] == "No nulls"
    listed = arm.call("GET", "/providers/Microsoft.Subscription/aliases", version=ACTION_VERSION).json()["value"]
    assert listed and all(None not in a["properties"].values() for a in listed)


def test_strict_mode_accepts_the_previews_current_sdk_prereleases_send(arm):
    assert all(version in SUPPORTED[area] for area, sent in PRERELEASE_SOURCES.items() for version in sent)
    preview = "2025-11-01-preview"  # azure-mgmt-subscription 3.2.0b2
    assert arm.app.settings.api_version_policy == "strict"
    created = arm.call("PUT", "/providers/Microsoft.Subscription/aliases/preview-made", version=preview,
                       json={"properties": {"displayName": "Preview", "workload": "Production",
                                            "billingScope": _scope(arm)}})
    assert created.status_code == 201, created.text
    sub = created.json()["properties"]["subscriptionId"]
    cancelled = arm.call("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/cancel", version=preview)
    assert cancelled.status_code == 200 and cancelled.json() == {"subscriptionId": sub}
    unknown = arm.call("GET", "/providers/Microsoft.Subscription/aliases", version="2025-12-01-preview")
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "NoRegisteredProviderFound"
