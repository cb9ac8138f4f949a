"""Microsoft.Resources subscriptions and Microsoft.Subscription cancel / enable / rename over ARM."""

from __future__ import annotations

import uuid

from .conftest import ACTION_VERSION


def _action(arm, sub: str, action: str, role: str = "owner", **kwargs):
    return arm.call("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/{action}", role=role,
                    version=ACTION_VERSION, **kwargs)


def test_list_renders_every_visible_subscription(arm):
    body = arm.call("GET", "/subscriptions").json()
    assert "nextLink" not in body
    by_name = {s["displayName"]: s for s in body["value"]}
    assert set(by_name) == {"Productie", "Proefversie", "Ontwikkeling"}
    prod = by_name["Productie"]
    assert prod["id"] == f"/subscriptions/{prod['subscriptionId']}"
    assert prod["state"] == "Enabled" and prod["tenantId"] == arm.tenant
    assert prod["subscriptionPolicies"]["quotaId"] == "PayAsYouGo_2014-09-01"
    assert by_name["Proefversie"]["subscriptionPolicies"]["spendingLimit"] == "On"


def test_get_unknown_and_locations_and_tenants(arm):
    missing = str(uuid.uuid4())
    answer = arm.call("GET", f"/subscriptions/{missing}")
    assert answer.status_code == 404
    assert answer.json()["error"] == {"code": "SubscriptionNotFound",
                                      "message": f"The subscription '{missing}' could not be found."}
    sub = arm.subscription_id("Productie")
    locations = arm.call("GET", f"/subscriptions/{sub}/locations").json()["value"]
    assert {"westeurope", "eastus"} <= {loc["name"] for loc in locations}
    assert all(loc["metadata"]["regionType"] == "Physical" for loc in locations)
    tenants = arm.call("GET", "/tenants").json()["value"]
    assert tenants == [{**tenants[0], "tenantId": arm.tenant, "tenantCategory": "Home", "id": f"/tenants/{arm.tenant}"}]


def test_legacy_2016_version_is_accepted(arm):
    assert arm.call("GET", "/subscriptions", version="2016-06-01").status_code == 200


def test_cancel_with_resources_needs_ignore_resource_check(arm):
    sub = arm.subscription_id("Productie")
    refused = _action(arm, sub, "cancel")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "ResourcesExistingOnSubscription"
    assert arm.call("GET", f"/subscriptions/{sub}").json()["state"] == "Enabled"
    done = _action(arm, sub, "cancel", params={"IgnoreResourceCheck": "true"})
    assert done.status_code == 200 and done.json() == {"subscriptionId": sub}
    assert arm.call("GET", f"/subscriptions/{sub}").json()["state"] == "Disabled"
    vms = [r for r in arm.app.resources.list(actor=arm.app.directory.principal(None), subscription=sub)
           if r.type.value == "Microsoft.Compute/virtualMachines"]
    assert vms and all(vm.power_state.value == "deallocated" for vm in vms)
    other = arm.subscription_id("Ontwikkeling")
    assert arm.call("GET", f"/subscriptions/{other}").json()["state"] == "Enabled"


def test_repeat_cancel_and_enable_are_idempotent_200s(arm):
    sub = arm.subscription_id("Ontwikkeling")  # no resources: no flag needed
    assert _action(arm, sub, "enable").json() == {"subscriptionId": sub}  # already enabled: 200, no event
    assert _action(arm, sub, "cancel").status_code == 200
    again = _action(arm, sub, "cancel")
    assert again.status_code == 200 and again.json() == {"subscriptionId": sub}
    with arm.app.uow(read_only=True) as uow:
        assert uow.activity.count(subscription_id=sub, action="cancel", outcome="Succeeded") == 1
        assert uow.activity.count(subscription_id=sub, action="reactivate", outcome="Succeeded") == 0
    assert _action(arm, sub, "enable").status_code == 200
    assert arm.call("GET", f"/subscriptions/{sub}").json()["state"] == "Enabled"


def test_rename_changes_the_display_name(arm):
    sub = arm.subscription_id("Proefversie")
    assert _action(arm, sub, "rename", json={"subscriptionName": "Proef 2"}).json() == {"subscriptionId": sub}
    assert arm.call("GET", f"/subscriptions/{sub}").json()["displayName"] == "Proef 2"
    empty = _action(arm, sub, "rename", json={})
    assert empty.status_code == 400


def test_reader_may_read_but_not_cancel(arm):
    sub = arm.subscription_id("Productie")
    assert arm.call("GET", f"/subscriptions/{sub}", role="reader").status_code == 200
    refused = _action(arm, sub, "cancel", role="reader", params={"IgnoreResourceCheck": "true"})
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "AuthorizationFailed"
    assert "'Microsoft.Subscription/cancel/action'" in error["message"] and f"'/subscriptions/{sub}'" in error["message"]
    assert arm.call("GET", f"/subscriptions/{sub}").json()["state"] == "Enabled"
    assert _action(arm, sub, "rename", role="reader", json={"subscriptionName": "x"}).status_code == 403


def test_subplane_delete_call_for_a_cancelled_subscription(arm):
    from datetime import timedelta

    sub = arm.subscription_id("Ontwikkeling")
    delete = f"/subscriptions/{sub}/providers/Subplane.Subscription/delete"
    refused = arm.call("POST", delete, version=ACTION_VERSION, json={"confirmName": "Ontwikkeling"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "InvalidStateTransition"
    assert _action(arm, sub, "cancel").status_code == 200
    too_soon = arm.call("POST", delete, version=ACTION_VERSION, json={"confirmName": "Ontwikkeling"})
    assert too_soon.status_code == 409 and too_soon.json()["error"]["code"] == "DeleteTooSoon"
    arm.app.clock_control.advance(timedelta(minutes=16))
    wrong_name = arm.call("POST", delete, version=ACTION_VERSION, json={"confirmName": "nope"})
    assert wrong_name.status_code == 409 and wrong_name.json()["error"]["code"] == "ConfirmationNameMismatch"
    assert arm.call("POST", delete, role="reader", version=ACTION_VERSION,
                    json={"confirmName": "Ontwikkeling"}).status_code == 403
    done = arm.call("POST", delete, version=ACTION_VERSION, json={"confirmName": "Ontwikkeling"})
    assert done.status_code == 200 and done.json()["state"] == "Deleted"
    # purge removes the role assignments too: the subscription is gone from the principal's view
    assert sub not in [s["subscriptionId"] for s in arm.call("GET", "/subscriptions").json()["value"]]
    assert arm.call("GET", f"/subscriptions/{sub}").status_code == 403
