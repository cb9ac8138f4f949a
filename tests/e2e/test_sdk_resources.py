"""SDK scenarios C9-C14, C17-C19, C21, C24, C25 (research §9) against a running server."""

from __future__ import annotations

import time
import uuid

import pytest
from azure.core.exceptions import ResourceExistsError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.compute.models import (
    HardwareProfile,
    NetworkInterfaceReference,
    NetworkProfile,
    VirtualMachine,
)
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.network.models import NetworkInterface, NetworkInterfaceIPConfiguration, PublicIPAddress, PublicIPAddressSku
from azure.mgmt.network.models import PublicIPAddress as PipRef
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.storage import StorageManagementClient
from azure.mgmt.storage.models import Sku, StorageAccountCreateParameters
from azure.mgmt.subscription import SubscriptionClient as LifecycleClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


@pytest.fixture(scope="module")
def clients(live):
    sub = live.subscription_id("Ontwikkeling")
    return {
        "sub": sub,
        "resource": live.client(ResourceManagementClient, "owner", sub),
        "compute": live.client(ComputeManagementClient, "owner", sub),
        "network": live.client(NetworkManagementClient, "owner", sub),
        "storage": live.client(StorageManagementClient, "owner", sub),
        "auth": live.client(AuthorizationManagementClient, "owner", sub),
        "lifecycle": live.client(LifecycleClient),
    }


def _power(compute, group: str, name: str) -> str:
    return [s.code for s in compute.virtual_machines.instance_view(group, name).statuses if s.code.startswith("PowerState/")][0]


def test_c9_resource_group_lifecycle(clients):
    rg = clients["resource"].resource_groups
    created = rg.create_or_update("rg-c9", {"location": "westeurope", "tags": {"a": "b"}})
    assert created.properties.provisioning_state == "Succeeded"
    assert rg.get("rg-c9").name == "rg-c9" and rg.check_existence("rg-c9") is True
    assert "rg-c9" in [g.name for g in rg.list()]
    started = time.monotonic()
    rg.begin_delete("rg-c9").result()
    assert time.monotonic() - started < 2
    assert rg.check_existence("rg-c9") is False


def test_c10_to_c13_ips_vm_and_power(clients):
    resource, network, compute = clients["resource"], clients["network"], clients["compute"]
    resource.resource_groups.create_or_update("rg-vm", {"location": "westeurope"})
    dynamic = network.public_ip_addresses.begin_create_or_update("rg-vm", "pip-dyn", PublicIPAddress(
        location="westeurope", sku=PublicIPAddressSku(name="Basic"), public_ip_allocation_method="Dynamic")).result()
    static = network.public_ip_addresses.begin_create_or_update("rg-vm", "pip-static", PublicIPAddress(
        location="westeurope", sku=PublicIPAddressSku(name="Standard"), public_ip_allocation_method="Static")).result()
    assert dynamic.ip_address is None and static.ip_address  # C10
    nic = network.network_interfaces.begin_create_or_update("rg-vm", "nic1", NetworkInterface(
        location="westeurope", ip_configurations=[NetworkInterfaceIPConfiguration(
            name="ipconfig1", public_ip_address=PipRef(id=dynamic.id))])).result()
    vm = compute.virtual_machines.begin_create_or_update("rg-vm", "vm1", VirtualMachine(
        location="westeurope", hardware_profile=HardwareProfile(vm_size="Standard_B1s"),
        network_profile=NetworkProfile(network_interfaces=[NetworkInterfaceReference(id=nic.id, primary=True)]))).result()
    assert vm.provisioning_state == "Succeeded"  # C11
    assert _power(compute, "rg-vm", "vm1") == "PowerState/running"
    assert network.public_ip_addresses.get("rg-vm", "pip-dyn").ip_address
    started = time.monotonic()
    compute.virtual_machines.begin_deallocate("rg-vm", "vm1").result()  # C12
    assert time.monotonic() - started < 1.0
    statuses = compute.virtual_machines.instance_view("rg-vm", "vm1").statuses
    assert any(s.code == "PowerState/deallocated" and s.display_status == "VM deallocated" for s in statuses)
    assert network.public_ip_addresses.get("rg-vm", "pip-dyn").ip_address is None
    assert network.public_ip_addresses.get("rg-vm", "pip-static").ip_address == static.ip_address
    compute.virtual_machines.begin_start("rg-vm", "vm1").result()  # C13
    assert _power(compute, "rg-vm", "vm1") == "PowerState/running"
    assert network.public_ip_addresses.get("rg-vm", "pip-dyn").ip_address
    compute.virtual_machines.begin_power_off("rg-vm", "vm1").result()
    assert _power(compute, "rg-vm", "vm1") == "PowerState/stopped"
    expanded = compute.virtual_machines.get("rg-vm", "vm1", expand="instanceView")
    assert any(s.code == "PowerState/stopped" for s in expanded.instance_view.statuses)
    assert [v.name for v in compute.virtual_machines.list("rg-vm")] == ["vm1"]
    assert "vm1" in [v.name for v in compute.virtual_machines.list_all()]


def test_c14_storage_account(clients):
    storage, resource = clients["storage"], clients["resource"]
    resource.resource_groups.create_or_update("rg-st", {"location": "westeurope"})
    wanted = {"name": "devstore1", "type": "Microsoft.Storage/storageAccounts"}
    assert storage.storage_accounts.check_name_availability(wanted).name_available
    account = storage.storage_accounts.begin_create("rg-st", "devstore1", StorageAccountCreateParameters(
        sku=Sku(name="Standard_LRS"), kind="StorageV2", location="westeurope")).result()
    assert account.provisioning_state == "Succeeded"
    assert storage.storage_accounts.get_properties("rg-st", "devstore1").name == "devstore1"
    assert "devstore1" in [a.name for a in storage.storage_accounts.list()]
    keys = storage.storage_accounts.list_keys("rg-st", "devstore1")["keys"]  # hybrid model: .keys is the dict method
    assert [k["keyName"] for k in keys] == ["key1", "key2"] and all(k["permissions"].upper() == "FULL" for k in keys)
    assert len(keys[0]["value"]) > 40 and keys[0]["value"] != keys[1]["value"]
    assert storage.storage_accounts.list_keys("rg-st", "devstore1")["keys"][0]["value"] == keys[0]["value"]
    taken = storage.storage_accounts.check_name_availability({"name": "devstore1", "type": "Microsoft.Storage/storageAccounts"})
    assert taken.name_available is False and taken.reason == "AlreadyExists"


def test_c24_c25_roles(clients, live):
    auth, sub = clients["auth"], clients["sub"]
    scope = f"/subscriptions/{sub}"
    readers = list(auth.role_definitions.list(scope, filter="roleName eq 'Reader'"))
    assert [r.name for r in readers] == [READER] and readers[0].role_name == "Reader"
    principal = str(uuid.uuid4())
    name = str(uuid.uuid4())
    created = auth.role_assignments.create(scope, name, {"properties": {
        "roleDefinitionId": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
        "principalId": principal, "principalType": "User"}})
    assert created.principal_id == principal and created.role_definition_id.endswith(READER) and created.scope == scope
    assert name in [a.name for a in auth.role_assignments.list_for_subscription()]
    assert [a.name for a in auth.role_assignments.list_for_subscription(filter=f"principalId eq '{principal}'")] == [name]
    auth.role_assignments.delete(scope, name)
    assert name not in [a.name for a in auth.role_assignments.list_for_subscription()]
    admins = list(auth.classic_administrators.list())
    assert admins and "AccountAdministrator" in admins[0].role


def test_c16_to_c21_cancelled_subscription_is_read_only_until_enabled(clients):
    sub, lifecycle = clients["sub"], clients["lifecycle"]
    resource, compute, storage, auth = clients["resource"], clients["compute"], clients["storage"], clients["auth"]
    lifecycle.subscription.cancel(sub, params={"IgnoreResourceCheck": "true"})
    assert _power(compute, "rg-vm", "vm1") == "PowerState/deallocated"
    assert clients["network"].public_ip_addresses.get("rg-vm", "pip-dyn").ip_address is None
    writes = [
        lambda: resource.resource_groups.create_or_update("rg-new", {"location": "westeurope"}),
        lambda: compute.virtual_machines.begin_start("rg-vm", "vm1").result(),
        lambda: storage.storage_accounts.list_keys("rg-st", "devstore1"),
        lambda: storage.storage_accounts.begin_create("rg-st", "devstore2", StorageAccountCreateParameters(
            sku=Sku(name="Standard_LRS"), kind="StorageV2", location="westeurope")).result(),
        lambda: auth.role_assignments.create(f"/subscriptions/{sub}", str(uuid.uuid4()), {"properties": {
            "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
            "principalId": str(uuid.uuid4())}}),
    ]
    for write in writes:  # C17
        with pytest.raises(ResourceExistsError) as refused:
            write()
        assert refused.value.error.code == "ReadOnlyDisabledSubscription"
    assert [g.name for g in resource.resource_groups.list()]  # C18 reads work
    assert compute.virtual_machines.get("rg-vm", "vm1").name == "vm1"
    assert list(resource.resources.list())
    assert list(auth.role_assignments.list_for_subscription())
    compute.virtual_machines.begin_delete("rg-vm", "vm1").result()  # C19 deletes work
    resource.resource_groups.begin_delete("rg-st").result()
    assert resource.resource_groups.check_existence("rg-st") is False
    lifecycle.subscription.enable(sub)  # C21
    resource.resource_groups.create_or_update("rg-after", {"location": "westeurope"})
    assert resource.resource_groups.check_existence("rg-after") is True
