"""What each long-running operation Subplane serves declares in its published spec (Azure/azure-rest-api-specs):
the status codes it may answer first, and which polling headers its final-state rule implies.

Only facts are kept here; ``routing.lro`` turns them into an answer. The final-state rule (``x-ms-long-running-
operation-options.final-state-via``, or the default when absent: the request URL for PUT, ``Location`` for POST and
DELETE) decides what a poller GETs last:

- ``status_monitor``: advertise ``Azure-AsyncOperation`` (the operationStatuses monitor).
- ``location``: ``RESULT`` advertises ``Location`` at ``/operationresults/{id}``, whose GET answers 200 with an empty
  body (every operation polled there declares 200); ``RESOURCE`` advertises ``Location`` at the resource itself, whose
  GET answers 200 with the resource; ``NONE`` advertises no ``Location``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class FinalLocation(Enum):
    NONE = "none"
    RESULT = "result"
    RESOURCE = "resource"


@dataclass(frozen=True)
class LroOperation:
    operation_ids: tuple[str, ...]
    spec: str  # the spec file the facts were read from, under specification/ in Azure/azure-rest-api-specs
    initial_codes: frozenset[int]  # the 2xx codes the operation declares
    status_monitor: bool
    location: FinalLocation


_COMPUTE = "compute/resource-manager/Microsoft.Compute/ComputeRP/stable/2024-11-01/virtualMachine.json"
_NETWORK = "network/resource-manager/Microsoft.Network/stable/2024-05-01/publicIpAddress.json (networkInterface.json)"
_STORAGE = "storage/resource-manager/Microsoft.Storage/stable/2024-01-01/storage.json"
_RESOURCES = "resources/resource-manager/Microsoft.Resources/stable/2022-12-01/resources.json"
_SUBSCRIPTION = "subscription/resource-manager/Microsoft.Subscription/stable/2021-10-01/subscriptions.json"
_BILLING = "billing/resource-manager/Microsoft.Billing/stable/2024-04-01/billingSubscription.json"

LRO_OPERATIONS: dict[str, LroOperation] = {
    # PUT, no final-state-via: the poller GETs the VM itself once the monitor says Succeeded
    "VirtualMachines_CreateOrUpdate": LroOperation(
        ("VirtualMachines_CreateOrUpdate",), _COMPUTE, frozenset({200, 201}), True, FinalLocation.NONE),
    "VirtualMachines_Update": LroOperation(
        ("VirtualMachines_Update",), _COMPUTE, frozenset({200}), True, FinalLocation.NONE),
    "VirtualMachines_Delete": LroOperation(
        ("VirtualMachines_Delete",), _COMPUTE, frozenset({200, 202, 204}), True, FinalLocation.RESULT),
    # POST actions declare 200 and 202, both without a body
    "VirtualMachines_PowerAction": LroOperation(
        ("VirtualMachines_Deallocate", "VirtualMachines_Start", "VirtualMachines_PowerOff", "VirtualMachines_Restart"),
        _COMPUTE, frozenset({200, 202}), True, FinalLocation.RESULT),
    # final-state-via: azure-async-operation
    "Network_CreateOrUpdate": LroOperation(
        ("PublicIPAddresses_CreateOrUpdate", "NetworkInterfaces_CreateOrUpdate"), _NETWORK,
        frozenset({200, 201}), True, FinalLocation.NONE),
    # final-state-via: location
    "Network_Delete": LroOperation(
        ("PublicIPAddresses_Delete", "NetworkInterfaces_Delete"), _NETWORK,
        frozenset({200, 202, 204}), True, FinalLocation.RESULT),
    # PUT, no final-state-via, 202 without a body: Location is the account, GET answers it with 200
    "StorageAccounts_Create": LroOperation(
        ("StorageAccounts_Create",), _STORAGE, frozenset({200, 202}), False, FinalLocation.RESOURCE),
    "ResourceGroups_Delete": LroOperation(
        ("ResourceGroups_Delete",), _RESOURCES, frozenset({200, 202}), False, FinalLocation.RESULT),
    # PUT, no final-state-via: after the monitor says Succeeded the poller GETs the alias
    "Alias_Create": LroOperation(
        ("Alias_Create",), _SUBSCRIPTION, frozenset({200, 201}), True, FinalLocation.NONE),
    # 202 with Location and Retry-After, polled at the operation result
    "BillingSubscriptions_Cancel": LroOperation(
        ("BillingSubscriptions_Cancel",), _BILLING, frozenset({202}), False, FinalLocation.RESULT),
}
