"""The activity log through Azure Monitor's API (ActivityLogs_List): Azure's event shape, the $filter patterns the
spec allows, refusals as Failed, keyset paging, 90 days of history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from .conftest import ACTION_VERSION

VERSION = "2015-04-01"
RG_VERSION = "2025-04-01"
START = "eventTimestamp ge '2020-01-01T00:00:00Z'"


def _path(sub: str) -> str:
    return f"/subscriptions/{sub}/providers/microsoft.insights/eventtypes/management/values"


def _events(arm, sub: str, text: str = START, role: str = "owner", **params) -> list[dict]:
    answer = arm.call("GET", _path(sub), role=role, version=VERSION, params={"$filter": text, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()["value"]


def _cancel(arm, sub: str, role: str = "owner"):
    return arm.call("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/cancel", role=role,
                    version=ACTION_VERSION, params={"IgnoreResourceCheck": "true"})


def test_a_cancel_and_a_refused_cancel_appear_in_azures_shape(arm):
    sub = arm.subscription_id("Ontwikkeling")
    assert _cancel(arm, sub, role="reader").status_code == 403
    assert _cancel(arm, sub).status_code == 200
    events = _events(arm, sub)
    cancels = [e for e in events if e["operationName"]["value"] == "Microsoft.Subscription/cancel/action"]
    assert [e["status"]["value"] for e in cancels] == ["Succeeded", "Failed"]  # newest first
    done, refused = cancels
    assert done["caller"] == "subplane-owner" and refused["caller"] == "subplane-reader"
    assert done["level"] == "Informational" and refused["level"] == "Error"
    assert refused["subStatus"]["value"] == "AuthorizationFailed"
    assert refused["properties"]["statusCode"] == "AuthorizationFailed"
    assert done["resourceId"] == f"/subscriptions/{sub}" and done["subscriptionId"] == sub
    assert done["tenantId"] == arm.tenant and done["category"]["value"] == "Administrative"
    assert done["resourceProviderName"]["value"] == "Microsoft.Resources"
    assert done["id"].startswith(f"/subscriptions/{sub}/events/{done['eventDataId']}/ticks/")
    assert all(isinstance(v, str) for v in done["properties"].values())
    stamp = datetime.fromisoformat(done["eventTimestamp"].replace("Z", "+00:00"))
    assert stamp.tzinfo is not None and done["submissionTimestamp"] == done["eventTimestamp"]


def test_filters_by_time_group_resource_correlation_caller_and_status(arm):
    sub = arm.subscription_id("Ontwikkeling")
    for name in ("alpha", "beta"):
        put = arm.call("PUT", f"/subscriptions/{sub}/resourcegroups/{name}", version=RG_VERSION,
                       json={"location": "westeurope"}, headers={"x-ms-correlation-request-id": f"corr-{name}"})
        assert put.status_code == 201
    alpha = _events(arm, sub, f"{START} and resourceGroupName eq 'ALPHA'")
    assert alpha and {e["resourceGroupName"] for e in alpha} == {"alpha"}
    assert alpha[0]["operationName"]["value"] == "Microsoft.Resources/subscriptions/resourceGroups/write"
    group_id = f"/subscriptions/{sub}/resourceGroups/beta"
    assert {e["resourceId"].lower() for e in _events(arm, sub, f"{START} and resourceUri eq '{group_id}'")} == \
        {group_id.lower()}
    # az writes the times bare and says resourceId
    bare = _events(arm, sub, f"eventTimestamp ge 2020-01-01T00:00:00 and eventTimestamp le 2099-01-01T00:00:00 "
                             f"and resourceId eq '{group_id}'")
    assert [e["resourceId"] for e in bare] == [e["resourceId"] for e in _events(arm, sub, f"{START} and resourceUri eq '{group_id}'")]
    correlated = _events(arm, sub, f"{START} and correlationId eq 'corr-alpha'")
    assert [e["correlationId"] for e in correlated] == ["corr-alpha"]
    assert _events(arm, sub, f"{START} and caller eq 'nobody'") == []
    assert _events(arm, sub, f"{START} and status eq 'Failed'") == []
    assert len(_events(arm, sub, f"{START} and status eq 'succeeded'")) >= 2
    assert _events(arm, sub, f"{START} and resourceProvider eq 'Microsoft.Compute'") == []
    assert _events(arm, sub, f"{START} and resourceProvider eq 'Microsoft.Resources'")
    assert _events(arm, sub, "eventTimestamp ge '2020-01-01' and eventTimestamp le '2020-01-02'") == []


def test_select_keeps_only_the_named_properties(arm):
    sub = arm.subscription_id("Ontwikkeling")
    _cancel(arm, sub)
    events = _events(arm, sub, **{"$select": "operationName , status,eventTimestamp"})
    assert events and all(set(e) == {"operationName", "status", "eventTimestamp"} for e in events)


@pytest.mark.parametrize("text", [None, "", "resourceGroupName eq 'x'", "eventTimestamp ge 'tuesday'",
                                  f"{START} and level eq 'Error'", f"{START} or caller eq 'x'",
                                  "eventTimestamp ge '2026-12-02' and eventTimestamp le '2026-12-01'"])
def test_filters_the_spec_does_not_allow_are_refused(arm, text):
    sub = arm.subscription_id("Ontwikkeling")
    params = {} if text is None else {"$filter": text}
    answer = arm.call("GET", _path(sub), version=VERSION, params=params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] in ("BadRequest", "InvalidTimeRange")


def test_reading_needs_read_on_the_subscription_and_a_known_version(arm):
    sub = arm.subscription_id("Ontwikkeling")
    assert _events(arm, sub, role="reader") == _events(arm, sub)
    unknown = arm.call("GET", _path("00000000-0000-0000-0000-00000000abcd"), version=VERSION, params={"$filter": START})
    assert unknown.status_code in (403, 404)
    wrong = arm.call("GET", _path(sub), version="2022-12-01", params={"$filter": START})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "NoRegisteredProviderFound"


def test_pages_follow_next_link_without_gaps_or_repeats(make_app):
    from subplane import demo

    from .conftest import Arm

    built = make_app(arm_throttle="off", arm_page_size=3)
    demo.seed(built)
    arm = Arm(built)
    sub = arm.subscription_id("Ontwikkeling")
    for index in range(7):
        arm.call("PUT", f"/subscriptions/{sub}/resourcegroups/g{index}", version=RG_VERSION, json={"location": "westeurope"})
    everything = []
    answer = arm.call("GET", _path(sub), version=VERSION, params={"$filter": START}).json()
    pages = 1
    while True:
        everything += answer["value"]
        if "nextLink" not in answer:
            break
        answer = arm.client.get(answer["nextLink"], headers={"Authorization": f"Bearer {arm.token()}"}).json()
        pages += 1
    ids = [e["eventDataId"] for e in everything]
    assert len(ids) == len(set(ids)) >= 7 and pages >= 3
    stamps = [e["eventTimestamp"] for e in everything]
    assert stamps == sorted(stamps, reverse=True)
    bogus = arm.call("GET", _path(sub), version=VERSION, params={"$filter": START, "$skiptoken": "x1"})
    assert bogus.status_code == 400


def test_history_older_than_90_days_is_not_served(arm):
    sub = arm.subscription_id("Ontwikkeling")
    arm.call("PUT", f"/subscriptions/{sub}/resourcegroups/old", version=RG_VERSION, json={"location": "westeurope"})
    assert any(e["resourceGroupName"] == "old" for e in _events(arm, sub))
    moved = arm.client.post("/_subplane/clock", json={"advance": "91d"})
    assert moved.status_code == 200, moved.text
    assert not any(e["resourceGroupName"] == "old" for e in _events(arm, sub))
    with arm.app.uow(read_only=True) as uow:  # Subplane's own log keeps it
        assert any("/resourceGroups/old" in (r["target"] or "") for r in uow.activity.list(subscription_id=sub))
    now = datetime.now(UTC) + timedelta(days=3650)
    assert _events(arm, sub, f"eventTimestamp ge '{now.isoformat()}'") == []
