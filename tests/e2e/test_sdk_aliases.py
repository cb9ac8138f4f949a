"""SDK scenario C23 (research §9): a subscription alias with azure-mgmt-subscription, and resource-group tags.

Its own server (module-scoped ``live``): the new subscription would change the demo list other modules count.
"""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient
from azure.mgmt.subscription import SubscriptionClient as LifecycleClient
from azure.mgmt.subscription.models import PutAliasRequest, PutAliasRequestProperties

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _billing_scope(live) -> str:
    demo = json.loads((live.server.data_dir / "demo.json").read_text("utf-8"))
    return f"/providers/Microsoft.Billing/billingAccounts/{demo['billingAccountId']}"


def _request(live, name: str) -> PutAliasRequest:
    return PutAliasRequest(properties=PutAliasRequestProperties(
        display_name=name, workload="Production", billing_scope=_billing_scope(live)))


def test_c23_alias_creates_a_subscription_and_delete_keeps_it(live):
    aliases = live.client(LifecycleClient).alias
    created = aliases.begin_create("a1", _request(live, "X")).result()
    assert created.properties.provisioning_state == "Succeeded"
    sub_id = created.properties.subscription_id
    listed = {s.subscription_id: s for s in live.client(SubscriptionClient).subscriptions.list()}
    assert listed[sub_id].state == "Enabled" and listed[sub_id].display_name == "X"
    assert aliases.get("a1").properties.subscription_id == sub_id
    assert "a1" in [a.name for a in aliases.list().value]
    again = aliases.begin_create("a1", _request(live, "X")).result()
    assert again.properties.subscription_id == sub_id  # the same name answers with the same subscription
    aliases.delete("a1")
    with pytest.raises(ResourceNotFoundError):
        aliases.get("a1")
    assert live.client(SubscriptionClient).subscriptions.get(sub_id).state == "Enabled"


def test_c23_reader_is_refused(live):
    with pytest.raises(HttpResponseError) as refused:
        live.client(LifecycleClient, "reader").alias.begin_create("a2", _request(live, "Y")).result()
    assert refused.value.status_code == 403 and refused.value.error.code == "AuthorizationFailed"
    assert "Y" not in {s.display_name for s in live.client(SubscriptionClient).subscriptions.list()}


def test_resource_group_tags_are_stored(live):
    sub_id = live.client(LifecycleClient).alias.begin_create("tags", _request(live, "Tagged")).result() \
        .properties.subscription_id
    groups = live.client(ResourceManagementClient, "owner", sub_id).resource_groups
    groups.create_or_update("rg-tags", {"location": "westeurope", "tags": {"env": "dev", "team": "a"}})
    assert groups.get("rg-tags").tags == {"env": "dev", "team": "a"}
    groups.update("rg-tags", {"tags": {"env": "prod"}})
    assert groups.get("rg-tags").tags == {"env": "prod"}
    assert [g.name for g in groups.list(filter="tagName eq 'env' and tagValue eq 'prod'")] == ["rg-tags"]
