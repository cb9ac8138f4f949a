"""Resource-group tags are stored: PUT replaces, PATCH with tags replaces the object, GET/list and $filter read them."""

from __future__ import annotations

from .conftest import ACTION_VERSION

RG_VERSION = "2025-04-01"


def _groups(arm, sub: str, **params) -> dict[str, dict]:
    body = arm.call("GET", f"/subscriptions/{sub}/resourcegroups", version=RG_VERSION, params=params).json()
    return {g["name"]: g for g in body["value"]}


def test_put_stores_tags_and_get_and_list_return_them(arm):
    sub = arm.subscription_id("Ontwikkeling")
    path = f"/subscriptions/{sub}/resourcegroups/tagged"
    created = arm.call("PUT", path, version=RG_VERSION, json={"location": "westeurope", "tags": {"env": "dev", "team": "A"}})
    assert created.status_code == 201 and created.json()["tags"] == {"env": "dev", "team": "A"}
    assert arm.call("GET", path, version=RG_VERSION).json()["tags"] == {"env": "dev", "team": "A"}
    assert _groups(arm, sub)["tagged"]["tags"] == {"env": "dev", "team": "A"}
    replaced = arm.call("PUT", path, version=RG_VERSION, json={"location": "westeurope", "tags": {"env": "test"}})
    assert replaced.status_code == 200 and replaced.json()["tags"] == {"env": "test"}
    untagged = arm.call("PUT", path, version=RG_VERSION, json={"location": "westeurope"})
    assert untagged.json()["tags"] == {} and arm.call("GET", path, version=RG_VERSION).json()["tags"] == {}


def test_patch_replaces_the_tags_object_and_without_tags_keeps_it(arm):
    sub = arm.subscription_id("Ontwikkeling")
    path = f"/subscriptions/{sub}/resourcegroups/patched"
    arm.call("PUT", path, version=RG_VERSION, json={"location": "westeurope", "tags": {"a": "1", "b": "2"}})
    patched = arm.call("PATCH", path, version=RG_VERSION, json={"tags": {"c": "3"}})
    assert patched.status_code == 200 and patched.json()["tags"] == {"c": "3"}
    kept = arm.call("PATCH", path, version=RG_VERSION, json={"managedBy": None})
    assert kept.json()["tags"] == {"c": "3"}
    assert arm.call("GET", path, version=RG_VERSION).json()["tags"] == {"c": "3"}
    bad = arm.call("PATCH", path, version=RG_VERSION, json={"tags": ["c"]})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "InvalidRequestContent"
    not_text = arm.call("PATCH", path, version=RG_VERSION, json={"tags": {"n": 1}})
    # an ill-typed tag value is a body ARM cannot deserialize (the tag limits have codes of their own)
    assert not_text.status_code == 400 and not_text.json()["error"]["code"] == "InvalidRequestContent"
    assert arm.call("GET", path, version=RG_VERSION).json()["tags"] == {"c": "3"}


def test_list_filters_by_tag_name_and_value(arm):
    sub = arm.subscription_id("Ontwikkeling")
    for name, tags in {"one": {"Env": "prod"}, "two": {"env": "dev"}, "three": {}}.items():
        arm.call("PUT", f"/subscriptions/{sub}/resourcegroups/{name}", version=RG_VERSION,
                 json={"location": "westeurope", "tags": tags})
    assert set(_groups(arm, sub, **{"$filter": "tagName eq 'env'"})) == {"one", "two"}
    assert set(_groups(arm, sub, **{"$filter": "tagName eq 'ENV' and tagValue eq 'dev'"})) == {"two"}
    assert set(_groups(arm, sub, **{"$filter": "tagName eq 'env' and tagValue eq 'DEV'"})) == set()


def test_tag_writes_on_a_disabled_subscription_are_refused(arm):
    sub = arm.subscription_id("Ontwikkeling")
    path = f"/subscriptions/{sub}/resourcegroups/frozen"
    arm.call("PUT", path, version=RG_VERSION, json={"location": "westeurope", "tags": {"keep": "me"}})
    cancel = arm.call("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/cancel", version=ACTION_VERSION,
                      params={"IgnoreResourceCheck": "true"})
    assert cancel.status_code == 200
    for method, body in (("PATCH", {"tags": {"x": "y"}}), ("PUT", {"location": "westeurope", "tags": {"x": "y"}})):
        refused = arm.call(method, path, version=RG_VERSION, json=body)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "ReadOnlyDisabledSubscription"
    new_group = arm.call("PUT", f"{path}2", version=RG_VERSION, json={"location": "westeurope", "tags": {"x": "y"}})
    assert new_group.status_code == 409
    assert arm.call("GET", path, version=RG_VERSION).json()["tags"] == {"keep": "me"}


def test_reader_may_not_tag(arm):
    sub = arm.subscription_id("Ontwikkeling")
    path = f"/subscriptions/{sub}/resourcegroups/guarded"
    arm.call("PUT", path, version=RG_VERSION, json={"location": "westeurope", "tags": {"a": "b"}})
    refused = arm.call("PATCH", path, role="reader", version=RG_VERSION, json={"tags": {}})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "AuthorizationFailed"
    assert arm.call("GET", path, role="reader", version=RG_VERSION).json()["tags"] == {"a": "b"}


def test_a_new_group_and_its_tags_are_one_write(arm):
    """Creating a tagged group is one transaction and one activity entry, never a group without its tags."""
    sub = arm.subscription_id("Ontwikkeling")
    path = f"/subscriptions/{sub}/resourcegroups/atonce"
    created = arm.call("PUT", path, version=RG_VERSION, json={"location": "westeurope", "tags": {"env": "dev"}})
    assert created.status_code == 201 and created.json()["tags"] == {"env": "dev"}
    with arm.app.uow(read_only=True) as uow:
        actions = [entry["action"] for entry in uow.activity.list(subscription_id=sub, limit=50)
                   if (entry.get("target") or "").lower().endswith("/resourcegroups/atonce")]
    assert actions == ["createResourceGroup"]


def test_a_new_storage_account_and_its_tags_are_one_write(arm, monkeypatch):
    """Created with its tags in one transaction: no second write that a crash could lose."""
    def second_write(**_):
        raise RuntimeError("a tag write after the create")

    monkeypatch.setattr(arm.app.management, "touch", second_write)
    sub = arm.subscription_id("Ontwikkeling")
    arm.call("PUT", f"/subscriptions/{sub}/resourcegroups/st-rg", version=RG_VERSION, json={"location": "westeurope"})
    path = f"/subscriptions/{sub}/resourceGroups/st-rg/providers/Microsoft.Storage/storageAccounts/tagged0st"
    created = arm.call("PUT", path, version="2025-06-01",
                       json={"location": "westeurope", "sku": {"name": "Standard_LRS"}, "tags": {"team": "A"}})
    assert created.status_code in (200, 202), created.text
    assert arm.call("GET", path, version="2025-06-01").json()["tags"] == {"team": "A"}
    with arm.app.uow(read_only=True) as uow:
        actions = [e["action"] for e in uow.activity.list(subscription_id=sub, limit=50)
                   if (e.get("target") or "").lower().endswith("/storageaccounts/tagged0st")]
    assert actions == ["createStorageAccount"]
