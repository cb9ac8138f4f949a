"""How Azure names what Subplane does: each action of the activity log as an ARM operation name."""

from __future__ import annotations

# Subplane's action names -> the operation names Azure logs for them; resource writes and deletes are named
# after the resource's own type (see arm_operation)
_OPERATIONS = {
    "create": "Microsoft.Subscription/createSubscription/action",
    "cancel": "Microsoft.Subscription/cancel/action",
    "reactivate": "Microsoft.Subscription/enable/action",
    "rename": "Microsoft.Subscription/rename/action",
    "delete": "Microsoft.Subscription/subscriptions/delete",
    "switchOffer": "Microsoft.Subscription/changeOffer/action",
    "upgrade": "Microsoft.Subscription/upgrade/action",
    "createAlias": "Microsoft.Subscription/aliases/write",
    "deleteAlias": "Microsoft.Subscription/aliases/delete",
    "assignRole": "Microsoft.Authorization/roleAssignments/write",
    "removeRoleAssignment": "Microsoft.Authorization/roleAssignments/delete",
    "listStorageKeys": "Microsoft.Storage/storageAccounts/listKeys/action",
    "regenerateStorageKey": "Microsoft.Storage/storageAccounts/regenerateKey/action",
    "createContainer": "Microsoft.Storage/storageAccounts/blobServices/containers/write",
    "deleteContainer": "Microsoft.Storage/storageAccounts/blobServices/containers/delete",
    "moveSubscription": "Microsoft.Management/managementGroups/subscriptions/write",
    "updateHierarchySettings": "Microsoft.Management/managementGroups/settings/write",
}
_WRITE_PREFIXES = ("create", "update", "tag")


def arm_operation(action: str, resource_type: str) -> str:
    """The ARM operation name of a Subplane action on a resource of ``resource_type`` (e.g. ``Microsoft.Compute/
    virtualMachines``): what the activity log and Event Grid envelopes call it."""
    if action in _OPERATIONS:
        return _OPERATIONS[action]
    if action.startswith("vm."):
        return f"Microsoft.Compute/virtualMachines/{action[3:]}/action"
    if action.startswith("Microsoft."):
        return action
    if action.startswith("delete"):
        return f"{resource_type}/delete"
    if action.startswith(_WRITE_PREFIXES):
        return f"{resource_type}/write"
    return f"Subplane/{action}/action"
