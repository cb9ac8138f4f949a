"""Microsoft.Resources/tags at a scope (subscription, resource group, resource) and UpdateTags on every resource
type served: Merge/Replace/Delete, ARM's limits, read-only subscriptions, one activity entry per write."""

from __future__ import annotations

import pytest

from .conftest import ACTION_VERSION

VERSION = "2025-04-01"
TAGS = "/providers/Microsoft.Resources/tags/default"
RESOURCES = {  # each served type, with an api-version of its own provider
    "Microsoft.Compute/virtualMachines/web-01": "2025-04-01",
    "Microsoft.Network/networkInterfaces/web-01-nic": "2025-05-01",
    "Microsoft.Network/publicIPAddresses/web-01-ip": "2025-05-01",
    "Microsoft.Storage/storageAccounts/contosodata": "2025-06-01",
}


def _scopes(arm) -> dict[str, str]:
    sub = arm.subscription_id("Productie")
    group = f"/subscriptions/{sub}/resourceGroups/productie-rg"
    return {"subscription": f"/subscriptions/{sub}", "group": group,
            "resource": f"{group}/providers/Microsoft.Compute/virtualMachines/web-01"}


def _tags(arm, scope: str, role: str = "owner"):
    return arm.call("GET", scope + TAGS, version=VERSION, role=role)


@pytest.mark.parametrize("kind", ["subscription", "group", "resource"])
def test_put_get_patch_delete_at_each_scope(arm, kind):
    scope = _scopes(arm)[kind]
    put = arm.call("PUT", scope + TAGS, version=VERSION, json={"properties": {"tags": {"env": "prod", "team": "A"}}})
    assert put.status_code == 200, put.text
    body = put.json()
    assert body == {"id": scope + TAGS, "name": "default", "type": "Microsoft.Resources/tags",
                    "properties": {"tags": {"env": "prod", "team": "A"}}}
    assert _tags(arm, scope).json()["properties"]["tags"] == {"env": "prod", "team": "A"}
    merged = arm.call("PATCH", scope + TAGS, version=VERSION,
                      json={"operation": "Merge", "properties": {"tags": {"ENV": "test", "cost": "42"}}})
    assert merged.status_code == 200 and merged.json()["properties"]["tags"] == {"team": "A", "ENV": "test", "cost": "42"}
    deleted = arm.call("PATCH", scope + TAGS, version=VERSION,
                       json={"operation": "Delete", "properties": {"tags": {"team": "B", "cost": ""}}})
    assert deleted.json()["properties"]["tags"] == {"team": "A", "ENV": "test"}  # team's value differs: kept
    replaced = arm.call("PATCH", scope + TAGS, version=VERSION,
                        json={"operation": "replace", "properties": {"tags": {"only": "this"}}})
    assert replaced.json()["properties"]["tags"] == {"only": "this"}
    gone = arm.call("DELETE", scope + TAGS, version=VERSION)
    assert gone.status_code == 200 and _tags(arm, scope).json()["properties"]["tags"] == {}


def test_the_tags_of_a_scope_are_the_ones_its_own_get_shows(arm):
    scopes = _scopes(arm)
    for kind, scope in scopes.items():
        arm.call("PUT", scope + TAGS, version=VERSION, json={"properties": {"tags": {"scope": kind}}})
    sub = arm.call("GET", scopes["subscription"], version="2022-12-01").json()
    assert sub["tags"] == {"scope": "subscription"}
    listed = arm.call("GET", "/subscriptions", version="2022-12-01").json()["value"]
    assert next(s for s in listed if s["id"] == scopes["subscription"])["tags"] == {"scope": "subscription"}
    assert arm.call("GET", scopes["group"], version=VERSION).json()["tags"] == {"scope": "group"}
    assert arm.call("GET", scopes["resource"], version="2025-04-01").json()["tags"] == {"scope": "resource"}


@pytest.mark.parametrize("tags, code", [
    ({f"t{n}": "v" for n in range(51)}, "InvalidTags"),
    ({"x" * 513: "v"}, "InvalidTagName"),
    ({"": "v"}, "InvalidTagName"),
    ({"a/b": "v"}, "InvalidTagNameCharacters"),
    ({"a%b": "v"}, "InvalidTagNameCharacters"),
    ({"a": "v" * 257}, "InvalidTagValueLength"),
])
def test_arms_limits_are_refused_and_change_nothing(arm, tags, code):
    scope = _scopes(arm)["group"]
    arm.call("PUT", scope + TAGS, version=VERSION, json={"properties": {"tags": {"keep": "me"}}})
    for method, body in (("PUT", {"properties": {"tags": tags}}),
                         ("PATCH", {"operation": "Merge", "properties": {"tags": tags}})):
        refused = arm.call(method, scope + TAGS, version=VERSION, json=body)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == code, refused.text
    assert _tags(arm, scope).json()["properties"]["tags"] == {"keep": "me"}


def test_merge_counts_what_the_scope_would_end_up_with(arm):
    scope = _scopes(arm)["group"]
    arm.call("PUT", scope + TAGS, version=VERSION, json={"properties": {"tags": {f"a{n}": "v" for n in range(30)}}})
    refused = arm.call("PATCH", scope + TAGS, version=VERSION,
                       json={"operation": "Merge", "properties": {"tags": {f"b{n}": "v" for n in range(21)}}})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "InvalidTags"
    fits = arm.call("PATCH", scope + TAGS, version=VERSION,
                    json={"operation": "Merge", "properties": {"tags": {f"b{n}": "v" for n in range(20)}}})
    assert fits.status_code == 200 and len(fits.json()["properties"]["tags"]) == 50


@pytest.mark.parametrize("body, code", [({"operation": "Append", "properties": {"tags": {}}}, "InvalidTagOperation"),
                                        ({"properties": {"tags": {}}}, "InvalidTagOperation"),
                                        ({"operation": "Merge", "properties": {"tags": {"a": 1}}}, "InvalidRequestContent"),
                                        ({"properties": {"tags": ["a"]}}, "InvalidRequestContent")])
def test_a_malformed_patch_is_refused(arm, body, code):
    refused = arm.call("PATCH", _scopes(arm)["group"] + TAGS, version=VERSION, json=body)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == code


def test_unknown_scopes_are_not_found(arm):
    scopes = _scopes(arm)
    missing_group = scopes["subscription"] + "/resourceGroups/nope" + TAGS
    answer = arm.call("GET", missing_group, version=VERSION)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "ResourceGroupNotFound"
    missing = scopes["group"] + "/providers/Microsoft.Compute/virtualMachines/nope" + TAGS
    assert arm.call("PUT", missing, version=VERSION, json={"properties": {"tags": {}}}).status_code == 404


def test_a_reader_reads_but_may_not_write_tags(arm):
    scope = _scopes(arm)["subscription"]
    assert _tags(arm, scope, role="reader").status_code == 200
    refused = arm.call("PUT", scope + TAGS, version=VERSION, role="reader", json={"properties": {"tags": {"a": "b"}}})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "AuthorizationFailed"
    assert "Microsoft.Resources/tags/write" in refused.json()["error"]["message"]


def test_writes_on_a_cancelled_subscription_are_refused_and_reads_work(arm):
    scopes = _scopes(arm)
    for scope in scopes.values():
        arm.call("PUT", scope + TAGS, version=VERSION, json={"properties": {"tags": {"keep": "me"}}})
    sub = scopes["subscription"]
    cancel = arm.call("POST", f"{sub}/providers/Microsoft.Subscription/cancel", version=ACTION_VERSION,
                      params={"IgnoreResourceCheck": "true"})
    assert cancel.status_code == 200
    for scope in scopes.values():
        for method, body in (("PUT", {"properties": {"tags": {"x": "y"}}}),
                             ("PATCH", {"operation": "Merge", "properties": {"tags": {"x": "y"}}}), ("DELETE", None)):
            refused = arm.call(method, scope + TAGS, version=VERSION, json=body)
            assert refused.status_code == 409, (method, scope, refused.text)
            assert refused.json()["error"]["code"] == "ReadOnlyDisabledSubscription"
        assert _tags(arm, scope).json()["properties"]["tags"] == {"keep": "me"}
    for path, version in RESOURCES.items():
        patched = arm.call("PATCH", f"{scopes['group']}/providers/{path}", version=version, json={"tags": {"x": "y"}})
        assert patched.status_code == 409, (path, patched.text)


def test_each_write_is_one_activity_entry(arm):
    scope = _scopes(arm)["group"]
    arm.call("PATCH", scope + TAGS, version=VERSION, json={"operation": "Merge", "properties": {"tags": {"a": "b"}}})
    with arm.app.uow(read_only=True) as uow:
        entries = [e for e in uow.activity.list(subscription_id=arm.subscription_id("Productie"), limit=50)
                   if e["action"] == "updateTags"]
    assert len(entries) == 1 and entries[0]["target"] == scope


@pytest.mark.parametrize("path", list(RESOURCES))
def test_update_tags_on_every_resource_type_served(arm, path):
    resource = f"{_scopes(arm)['group']}/providers/{path}"
    version = RESOURCES[path]
    patched = arm.call("PATCH", resource, version=version, json={"tags": {"owner": "ops", "tier": "1"}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["tags"] == {"owner": "ops", "tier": "1"}
    assert arm.call("GET", resource, version=version).json()["tags"] == {"owner": "ops", "tier": "1"}
    assert _tags(arm, resource).json()["properties"]["tags"] == {"owner": "ops", "tier": "1"}
    refused = arm.call("PATCH", resource, version=version, json={"tags": {"a<b": "v"}})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "InvalidTagNameCharacters"


def test_a_purge_forgets_the_subscriptions_tags(arm):
    from datetime import timedelta

    from subplane.adapters.db.arm_repo import SubscriptionTagRepo

    sub = arm.subscription_id("Ontwikkeling")
    arm.call("PUT", f"/subscriptions/{sub}{TAGS}", version=VERSION, json={"properties": {"tags": {"owner": "Anna"}}})
    with arm.app.uow(read_only=True) as uow:
        assert SubscriptionTagRepo(uow.conn).get(sub) == {"owner": "Anna"}
    assert arm.call("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/cancel",
                    version=ACTION_VERSION).status_code == 200
    arm.app.clock_control.advance(timedelta(minutes=16))
    done = arm.call("POST", f"/subscriptions/{sub}/providers/Subplane.Subscription/delete", version=ACTION_VERSION,
                    json={"confirmName": "Ontwikkeling"})
    assert done.status_code == 200 and done.json()["state"] == "Deleted"
    with arm.app.uow(read_only=True) as uow:
        assert SubscriptionTagRepo(uow.conn).get(sub) == {}
