"""Resource groups, VMs, network, storage and role objects in ARM's wire shapes."""

from __future__ import annotations

import uuid
from typing import Any

from ...domain.access import ROLE_DEFINITION_IDS, Role, RoleAssignment
from ...domain.resources import PowerState, Resource, ResourceGroup
from ...domain.tags import stored_tags

POWER_TEXT = {
    PowerState.RUNNING: "VM running", PowerState.STOPPED: "VM stopped", PowerState.DEALLOCATED: "VM deallocated",
    PowerState.STARTING: "VM starting", PowerState.STOPPING: "VM stopping", PowerState.DEALLOCATING: "VM deallocating",
}
ROLE_DESCRIPTIONS = {
    "Owner": ("Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.", ["*"]),
    "Contributor": ("Grants full access to manage all resources, but does not allow you to assign roles in Azure "
                    "RBAC.", ["*"]),
    "Reader": ("View all resources, but does not allow you to make any changes.", ["*/read"]),
}
_NOT_ACTIONS = {"Contributor": ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write"]}


def _stable_guid(text: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, text.lower()))


def _iso(instant) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def group(g: ResourceGroup) -> dict:
    return {"id": g.resource_id, "name": g.name, "type": "Microsoft.Resources/resourceGroups", "location": g.location,
            "tags": stored_tags(g.tags), "properties": {"provisioningState": "Succeeded"}}


def _base(r: Resource) -> dict:
    return {"id": r.resource_id, "name": r.name, "type": r.type.value, "location": r.location,
            "tags": stored_tags(r.properties.get("tags"))}


def generic(r: Resource) -> dict:
    body = {**_base(r), "createdTime": _iso(r.created_at), "changedTime": _iso(r.created_at),
            "provisioningState": "Succeeded"}
    if r.sku:
        body["sku"] = {"name": r.sku}
    return body


def instance_view(vm: Resource) -> dict:
    power = vm.power_state or PowerState.RUNNING
    return {
        "computerName": vm.name, "osName": "ubuntu", "osVersion": "22.04",
        "vmAgent": {"vmAgentVersion": "2.11.1.0", "statuses": []},
        "statuses": [
            {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
             "time": _iso(vm.created_at)},
            {"code": f"PowerState/{power.value}", "level": "Info", "displayStatus": POWER_TEXT[power]},
        ],
    }


def virtual_machine(vm: Resource, *, expand_instance_view: bool = False) -> dict:
    properties = {
        "vmId": _stable_guid(vm.resource_id),
        "hardwareProfile": {"vmSize": vm.vm_size},
        "storageProfile": {
            "imageReference": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy",
                               "sku": "22_04-lts-gen2", "version": "latest"},
            "osDisk": {"osType": "Linux", "name": f"{vm.name}_OsDisk", "createOption": "FromImage",
                       "managedDisk": {"storageAccountType": "Standard_LRS"}, "diskSizeGB": 30},
            "dataDisks": [],
        },
        "osProfile": {"computerName": vm.name, "adminUsername": "azureuser",
                      "linuxConfiguration": {"disablePasswordAuthentication": False}},
        "networkProfile": {"networkInterfaces": [{"id": vm.nic_id, "properties": {"primary": True}}] if vm.nic_id else []},
        "provisioningState": "Succeeded",
        "timeCreated": _iso(vm.created_at),
    }
    if expand_instance_view:
        properties["instanceView"] = instance_view(vm)
    return {**_base(vm), "properties": properties}


def public_ip(ip: Resource, nic: Resource | None = None) -> dict:
    properties: dict[str, Any] = {
        "provisioningState": "Succeeded", "resourceGuid": _stable_guid(ip.resource_id),
        "publicIPAddressVersion": "IPv4", "publicIPAllocationMethod": ip.allocation_method.value if ip.allocation_method else "Dynamic",
        "idleTimeoutInMinutes": 4, "ipTags": [],
    }
    if ip.ip_address:
        properties["ipAddress"] = ip.ip_address
    if nic is not None:
        properties["ipConfiguration"] = {"id": f"{nic.resource_id}/ipConfigurations/ipconfig1"}
    return {**_base(ip), "sku": {"name": ip.sku or "Basic", "tier": "Regional"}, "properties": properties}


def network_interface(nic: Resource, vm: Resource | None = None) -> dict:
    config = {"privateIPAddress": "10.0.0.4", "privateIPAllocationMethod": "Dynamic", "privateIPAddressVersion": "IPv4",
              "primary": True, "provisioningState": "Succeeded"}
    if nic.public_ip_id:
        config["publicIPAddress"] = {"id": nic.public_ip_id}
    properties = {
        "provisioningState": "Succeeded", "resourceGuid": _stable_guid(nic.resource_id), "primary": True,
        "ipConfigurations": [{"id": f"{nic.resource_id}/ipConfigurations/ipconfig1", "name": "ipconfig1",
                              "type": "Microsoft.Network/networkInterfaces/ipConfigurations", "properties": config}],
        "dnsSettings": {"dnsServers": [], "appliedDnsServers": []}, "enableAcceleratedNetworking": False,
    }
    if vm is not None:
        properties["virtualMachine"] = {"id": vm.resource_id}
    return {**_base(nic), "properties": properties}


def storage_account(account: Resource, base_url: str) -> dict:
    blob = f"{base_url}/blob/{account.name}/"
    return {
        **_base(account), "kind": "StorageV2", "sku": {"name": account.sku or "Standard_LRS", "tier": "Standard"},
        "properties": {
            "provisioningState": "Succeeded", "creationTime": _iso(account.created_at),
            "primaryLocation": account.location, "statusOfPrimary": "available", "accessTier": "Hot",
            "primaryEndpoints": {"blob": blob, "dfs": blob, "web": blob, "queue": blob, "table": blob, "file": blob},
            "encryption": {"keySource": "Microsoft.Storage", "services": {"blob": {"enabled": True, "keyType": "Account"}}},
            "supportsHttpsTrafficOnly": True, "minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": False,
            "isHnsEnabled": False,
        },
    }


def role_definition(scope: str, role_name: str) -> dict:
    guid = ROLE_DEFINITION_IDS[Role(role_name)]
    description, actions = ROLE_DESCRIPTIONS[role_name]
    return {
        "id": f"{scope.rstrip('/')}/providers/Microsoft.Authorization/roleDefinitions/{guid}", "name": guid,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {"roleName": role_name, "type": "BuiltInRole", "description": description,
                       "assignableScopes": ["/"],
                       "permissions": [{"actions": actions, "notActions": _NOT_ACTIONS.get(role_name, []),
                                        "dataActions": [], "notDataActions": []}],
                       "createdOn": "2015-02-02T21:55:09.8806423Z", "updatedOn": "2021-11-11T20:13:47.8628684Z",
                       "createdBy": None, "updatedBy": None},
    }


def role_assignment(a: RoleAssignment, subscription_id: str, principal_type: str = "User") -> dict:
    """No condition nor description is kept: they are left out, as the spec's strings are not nullable."""
    definition = ROLE_DEFINITION_IDS[a.role]
    return {
        "id": f"{a.scope.rstrip('/')}/providers/Microsoft.Authorization/roleAssignments/{a.assignment_id}",
        "name": a.assignment_id, "type": "Microsoft.Authorization/roleAssignments",
        "properties": {"scope": a.scope, "principalId": a.principal_id, "principalType": principal_type,
                       "roleDefinitionId": f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/"
                                           f"roleDefinitions/{definition}"},
    }
