"""Who cancelled what, read the way auditors read Azure: azure-mgmt-monitor's ``activity_logs.list`` and
``az monitor activity-log list`` against a running server (issue 16, item 5)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.subscription import SubscriptionClient as LifecycleClient

from .test_az_cli import AZ, az  # noqa: F401  (the az fixture: a logged-in AZURE_CONFIG_DIR)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
WINDOW = "eventTimestamp ge '2020-01-01T00:00:00Z' and eventTimestamp le '2099-12-31T00:00:00Z'"
CANCEL = "Microsoft.Subscription/cancel/action"
TURN_OFF = {"IgnoreResourceCheck": "true"}


def _cancel_as_reader_then_owner(live, sub: str) -> None:
    with pytest.raises(HttpResponseError) as refused:
        live.client(LifecycleClient, "reader").subscription.cancel(sub, params=TURN_OFF)
    assert refused.value.status_code == 403
    assert live.client(LifecycleClient).subscription.cancel(sub, params=TURN_OFF).subscription_id == sub


def test_the_sdk_reads_who_cancelled_and_who_was_refused(live):
    sub = live.subscription_id("Ontwikkeling")
    _cancel_as_reader_then_owner(live, sub)
    monitor = live.client(MonitorManagementClient, "owner", sub)
    events = list(monitor.activity_logs.list(filter=WINDOW))  # page size 2 on this server: many nextLinks
    cancels = [e for e in events if e.operation_name.value == CANCEL]
    assert [(e.caller, e.status.value, e.level) for e in cancels] == [
        ("subplane-owner", "Succeeded", "Informational"), ("subplane-reader", "Failed", "Error")]
    assert all(e.subscription_id == sub and e.resource_id == f"/subscriptions/{sub}" for e in cancels)
    assert cancels[0].event_timestamp.tzinfo is not None and cancels[0].tenant_id == live.tenant
    assert len({e.event_data_id for e in events}) == len(events)
    by_correlation = list(monitor.activity_logs.list(
        filter=f"{WINDOW} and correlationId eq '{cancels[0].correlation_id}'"))
    assert [e.event_data_id for e in by_correlation] == [cancels[0].event_data_id]
    selected = list(monitor.activity_logs.list(filter=WINDOW, select="operationName,status,caller"))
    assert selected and all(e.event_timestamp is None and e.caller for e in selected)


@pytest.mark.skipif(AZ is None, reason="azure-cli not installed (set SUBPLANE_AZ)")
def test_az_monitor_activity_log_list_shows_the_cancel(az, live):  # noqa: F811
    sub = live.subscription_id("Productie")
    _cancel_as_reader_then_owner(live, sub)
    window = ("--start-time", "2020-01-01T00:00:00Z", "--end-time", "2099-12-31T00:00:00Z")
    listed = az.json("monitor", "activity-log", "list", "--subscription", sub, *window, "--max-events", "500")
    cancels = [e for e in listed if e["operationName"]["value"] == CANCEL]
    assert [(e["caller"], e["status"]["value"]) for e in cancels] == [
        ("subplane-owner", "Succeeded"), ("subplane-reader", "Failed")]
    failed = az.json("monitor", "activity-log", "list", "--subscription", sub, *window, "--status", "Failed")
    assert [e["caller"] for e in failed] == ["subplane-reader"]
    by_caller = az.json("monitor", "activity-log", "list", "--subscription", sub, *window, "--caller", "subplane-owner")
    assert by_caller and {e["caller"] for e in by_caller} == {"subplane-owner"}
