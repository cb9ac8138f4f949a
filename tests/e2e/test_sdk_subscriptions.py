"""SDK scenarios C1-C8, C15, C16, C20-C22 (research §9) against a running server, with our decisions."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.mgmt.resource.subscriptions import SubscriptionClient
from azure.mgmt.subscription import SubscriptionClient as LifecycleClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_c1_token_and_c2_wrong_secret(live):
    token = live.credential().get_token("https://management.azure.com/.default")
    assert token.token.count(".") == 2 and token.expires_on > 0
    from azure.identity import ClientSecretCredential

    wrong = ClientSecretCredential(live.tenant, live.connection["principals"]["owner"]["clientId"], "wrong",
                                   authority=live.url, disable_instance_discovery=True, connection_verify=live.ca)
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        wrong.get_token("https://management.azure.com/.default")


def test_c3_list_pages_across_next_link_and_c6_tenants(live):
    client = live.client(SubscriptionClient)
    subs = list(client.subscriptions.list())  # page size 2: the third comes from nextLink
    assert sorted(s.display_name for s in subs) == ["Ontwikkeling", "Productie", "Proefversie"]
    for s in subs:
        assert s.tenant_id == live.tenant and s.state == "Enabled" and s.id == f"/subscriptions/{s.subscription_id}"
        assert s.subscription_policies.quota_id and s.subscription_policies.location_placement_id
    tenants = list(client.tenants.list())
    assert [t.tenant_id for t in tenants] == [live.tenant] and tenants[0].tenant_category == "Home"


def test_c4_get_and_unknown_c5_malformed(live):
    client = live.client(SubscriptionClient)
    sub = live.subscription_id("Productie")
    assert client.subscriptions.get(sub).display_name == "Productie"
    with pytest.raises(ResourceNotFoundError) as missing:
        client.subscriptions.get(str(uuid.uuid4()))
    assert missing.value.error.code == "SubscriptionNotFound"
    with pytest.raises(HttpResponseError) as malformed:
        client.subscriptions.get("not-a-guid")
    assert malformed.value.status_code == 400 and malformed.value.error.code == "InvalidSubscriptionId"


def test_c7_legacy_list_follows_next_link(live):
    subs = list(live.client(LifecycleClient).subscriptions.list())
    assert sorted(s.display_name for s in subs) == ["Ontwikkeling", "Productie", "Proefversie"]


def test_c8_rename(live):
    sub = live.subscription_id("Ontwikkeling")
    lifecycle = live.client(LifecycleClient)
    assert lifecycle.subscription.rename(sub, {"subscriptionName": "Dev"}).subscription_id == sub
    assert live.client(SubscriptionClient).subscriptions.get(sub).display_name == "Dev"
    lifecycle.subscription.rename(sub, {"subscriptionName": "Ontwikkeling"})


def test_reader_cannot_cancel(live):
    sub = live.subscription_id("Productie")
    with pytest.raises(HttpResponseError) as refused:
        live.client(LifecycleClient, "reader").subscription.cancel(sub, params={"IgnoreResourceCheck": "true"})
    assert refused.value.status_code == 403 and refused.value.error.code == "AuthorizationFailed"
    assert "Microsoft.Subscription/cancel/action" in refused.value.error.message
    assert live.client(SubscriptionClient).subscriptions.get(sub).state == "Enabled"


def test_c15_c16_c20_c22_cancel_and_enable(live):
    sub = live.subscription_id("Productie")
    other = live.subscription_id("Proefversie")
    lifecycle, subs = live.client(LifecycleClient), live.client(SubscriptionClient)
    with pytest.raises(HttpResponseError) as c15:  # decision: strict ARM behaviour
        lifecycle.subscription.cancel(sub)
    assert c15.value.status_code == 400 and c15.value.error.code == "ResourcesExistingOnSubscription"
    assert lifecycle.subscription.cancel(sub, params={"IgnoreResourceCheck": "true"}).subscription_id == sub
    assert subs.subscriptions.get(sub).state == "Disabled"  # decision: Disabled at once
    assert next(s for s in lifecycle.subscriptions.list() if s.subscription_id == sub).state == "Disabled"
    assert subs.subscriptions.get(other).state == "Enabled"
    assert lifecycle.subscription.cancel(sub).subscription_id == sub  # C20 decision: idempotent 200
    assert subs.subscriptions.get(sub).state == "Disabled"
    assert lifecycle.subscription.enable(sub).subscription_id == sub  # C21
    assert subs.subscriptions.get(sub).state == "Enabled"
    assert lifecycle.subscription.enable(sub).subscription_id == sub  # C22 decision: idempotent 200
    assert subs.subscriptions.get(sub).state == "Enabled"
