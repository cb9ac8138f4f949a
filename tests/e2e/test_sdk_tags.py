"""Tags with the Python SDK (issue 12): Microsoft.Resources/tags at subscription, group and resource scopes
(TagsOperations *_at_scope), resource_groups.update and each served type's update_tags, then refused on a
cancelled subscription."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.resources.models import Tags, TagsPatchResource, TagsResource
from azure.mgmt.storage import StorageManagementClient
from azure.mgmt.subscription import SubscriptionClient as LifecycleClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
GROUP = "productie-rg"


@pytest.fixture(scope="module")
def clients(live):
    sub = live.subscription_id("Productie")
    return {"sub": sub, "resource": live.client(ResourceManagementClient, "owner", sub),
            "compute": live.client(ComputeManagementClient, "owner", sub),
            "network": live.client(NetworkManagementClient, "owner", sub),
            "storage": live.client(StorageManagementClient, "owner", sub),
            "lifecycle": live.client(LifecycleClient)}


def test_tags_at_every_scope(clients):
    tags = clients["resource"].tags
    sub = f"/subscriptions/{clients['sub']}"
    for scope in (sub, f"{sub}/resourceGroups/{GROUP}",
                  f"{sub}/resourceGroups/{GROUP}/providers/Microsoft.Compute/virtualMachines/web-01"):
        created = tags.begin_create_or_update_at_scope(scope, TagsResource(properties=Tags(tags={"env": "prod"}))).result()
        assert created.name == "default" and created.properties.tags == {"env": "prod"}
        merged = tags.begin_update_at_scope(scope, TagsPatchResource(
            operation="Merge", properties=Tags(tags={"team": "A"}))).result()
        assert merged.properties.tags == {"env": "prod", "team": "A"}
        removed = tags.begin_update_at_scope(scope, TagsPatchResource(
            operation="Delete", properties=Tags(tags={"env": "prod"}))).result()
        assert removed.properties.tags == {"team": "A"}
        assert tags.get_at_scope(scope).properties.tags == {"team": "A"}
        tags.begin_delete_at_scope(scope).result()
        assert tags.get_at_scope(scope).properties.tags == {}
    with pytest.raises(HttpResponseError) as refused:
        tags.begin_create_or_update_at_scope(sub, TagsResource(properties=Tags(tags={"a/b": "c"}))).result()
    assert refused.value.status_code == 400 and refused.value.error.code == "InvalidTagNameCharacters"


def test_update_tags_on_every_type(clients):
    group = clients["resource"].resource_groups.update(GROUP, {"tags": {"kind": "group"}})
    assert group.tags == {"kind": "group"}
    vm = clients["compute"].virtual_machines.begin_update(GROUP, "web-01", {"tags": {"kind": "vm"}}).result()
    assert vm.tags == {"kind": "vm"}
    network = clients["network"]
    assert network.public_ip_addresses.update_tags(GROUP, "web-01-ip", {"tags": {"kind": "ip"}}).tags == {"kind": "ip"}
    assert network.network_interfaces.update_tags(GROUP, "web-01-nic", {"tags": {"kind": "nic"}}).tags == {"kind": "nic"}
    account = clients["storage"].storage_accounts.update(GROUP, "contosodata", {"tags": {"kind": "storage"}})
    assert account.tags == {"kind": "storage"}
    assert clients["compute"].virtual_machines.get(GROUP, "web-01").tags == {"kind": "vm"}
    assert network.public_ip_addresses.get(GROUP, "web-01-ip").tags == {"kind": "ip"}


def test_tag_writes_on_a_cancelled_subscription_are_refused(clients):
    sub = clients["sub"]
    tags = clients["resource"].tags
    tags.begin_create_or_update_at_scope(f"/subscriptions/{sub}", TagsResource(properties=Tags(tags={"k": "v"}))).result()
    clients["lifecycle"].subscription.cancel(sub, params={"IgnoreResourceCheck": "true"})
    writes = [
        lambda: tags.begin_update_at_scope(f"/subscriptions/{sub}", TagsPatchResource(
            operation="Merge", properties=Tags(tags={"x": "y"}))).result(),
        lambda: clients["resource"].resource_groups.update(GROUP, {"tags": {"x": "y"}}),
        lambda: clients["network"].public_ip_addresses.update_tags(GROUP, "web-01-ip", {"tags": {"x": "y"}}),
    ]
    for write in writes:
        with pytest.raises(ResourceExistsError) as refused:
            write()
        assert refused.value.error.code == "ReadOnlyDisabledSubscription"
    assert tags.get_at_scope(f"/subscriptions/{sub}").properties.tags == {"k": "v"}
    clients["lifecycle"].subscription.enable(sub)
