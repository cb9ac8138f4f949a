"""The request body of every ARM operation that reads one, as pydantic models (read by ``api/validation.py``).

Only the fields Subplane reads are declared; the rest of what SDKs send (a VM's storage profile, a
storage account's kind, ...) is ignored, never stored. Field names are ARM's wire names. A wrong type is
``InvalidRequestContent``; a string past its column's length ``InvalidParameter``; names and locations
are checked here by the domain's own rule (with its code), tag limits by the services that store tags.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ...domain.lifecycle import require_display_name
from ...domain.resources import require_location
from ..validation import domain_rule, is_guid, refuse

Text = Annotated[str, StringConstraints(max_length=1024)]
ShortText = Annotated[str, StringConstraints(max_length=64)]  # sizes and SKUs: what their columns hold
Tags = dict[str, str]
# names and locations refused by the domain's rule, with its code, before any service is asked
DisplayName = Annotated[str, AfterValidator(domain_rule(require_display_name))]
Location = Annotated[str, AfterValidator(domain_rule(require_location))]
GroupLocation = Annotated[str, AfterValidator(domain_rule(require_location, resource_group=True))]


class ArmBody(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Sku(ArmBody):
    name: ShortText | None = None


class IdReference(ArmBody):
    id: Text | None = None


# Microsoft.Subscription -----------------------------------------------------------------------------
class RenameBody(ArmBody):
    subscriptionName: DisplayName


class DeleteSubscriptionBody(ArmBody):
    confirmName: Text | None = None


class AliasAdditionalProperties(ArmBody):
    subscriptionOwnerId: Text | None = None
    managementGroupId: Text | None = None
    tags: Tags | None = None


class AliasProperties(ArmBody):
    displayName: DisplayName | None = None
    billingScope: Text | None = None
    workload: ShortText | None = None
    subscriptionId: Text | None = None
    additionalProperties: AliasAdditionalProperties | None = None


class AliasBody(ArmBody):
    properties: AliasProperties


# Microsoft.Resources ---------------------------------------------------------------------------------
class GroupPutBody(ArmBody):
    location: GroupLocation | None = None
    tags: Tags | None = None


class TagsBody(ArmBody):
    """PATCH of a group or resource, and PUT of one that exists: only the tags change."""
    tags: Tags | None = None


class ScopeTagsProperties(ArmBody):
    tags: Tags | None = None


class ScopeTagsBody(ArmBody):
    """Tags_CreateOrUpdateAtScope (TagsResource) and Tags_UpdateAtScope (TagsPatchResource: with ``operation``)."""
    operation: ShortText | None = None
    properties: ScopeTagsProperties | None = None


# Microsoft.Compute -----------------------------------------------------------------------------------
class HardwareProfile(ArmBody):
    vmSize: ShortText | None = None


class NetworkProfile(ArmBody):
    networkInterfaces: Annotated[list[IdReference], Field(max_length=64)] | None = None


class VmProperties(ArmBody):
    hardwareProfile: HardwareProfile | None = None
    networkProfile: NetworkProfile | None = None


class VmPutBody(TagsBody):
    location: Location | None = None
    properties: VmProperties | None = None


# Microsoft.Network -----------------------------------------------------------------------------------
class PublicIpProperties(ArmBody):
    publicIPAllocationMethod: ShortText | None = None


class PublicIpPutBody(TagsBody):
    location: Location | None = None
    sku: Sku | None = None
    properties: PublicIpProperties | None = None


class IpConfigurationProperties(ArmBody):
    publicIPAddress: IdReference | None = None


class IpConfiguration(ArmBody):
    properties: IpConfigurationProperties | None = None


class NicProperties(ArmBody):
    ipConfigurations: Annotated[list[IpConfiguration], Field(max_length=64)] | None = None


class NicPutBody(TagsBody):
    location: Location | None = None
    properties: NicProperties | None = None


# Microsoft.Storage -----------------------------------------------------------------------------------
class StoragePutBody(TagsBody):
    location: Location | None = None
    sku: Sku | None = None


class CheckNameBody(ArmBody):
    name: Text | None = None


class RegenerateKeyBody(ArmBody):
    keyName: ShortText | None = None


# Microsoft.Authorization -----------------------------------------------------------------------------
class RoleAssignmentProperties(ArmBody):
    roleDefinitionId: Text | None = None
    principalId: str | None = None
    principalType: ShortText | None = None

    @field_validator("principalId")
    @classmethod
    def _guid(cls, value: str | None) -> str | None:
        if value and not is_guid(value):
            raise refuse("InvalidPrincipalId", "A valid principal ID must be provided for role assignment: "
                                               f"'{value[:64]}' is not a GUID.")
        return value


class RoleAssignmentBody(ArmBody):
    properties: RoleAssignmentProperties | None = None


# Microsoft.Management --------------------------------------------------------------------------------
class ManagementGroupDetails(ArmBody):
    parent: IdReference | None = None


class ManagementGroupPutProperties(ArmBody):
    displayName: Text | None = None
    details: ManagementGroupDetails | None = None


class ManagementGroupPutBody(ArmBody):
    name: Text | None = None
    properties: ManagementGroupPutProperties | None = None


class ManagementGroupPatchBody(ArmBody):
    displayName: Text | None = None
    parentGroupId: Text | None = None


class HierarchySettingsProperties(ArmBody):
    requireAuthorizationForGroupCreation: bool | None = None
    defaultManagementGroup: Text | None = None
    # Subplane's own: the group a cancelled subscription moves to (and back from on reactivation)
    decommissionManagementGroup: Text | None = None


class HierarchySettingsBody(ArmBody):
    properties: HierarchySettingsProperties | None = None


# Microsoft.CostManagement ----------------------------------------------------------------------------
class CostAggregation(ArmBody):
    name: ShortText
    function: ShortText = "Sum"


class CostGrouping(ArmBody):
    type: ShortText = "Dimension"
    name: ShortText


class CostDataset(ArmBody):
    granularity: ShortText | None = None
    aggregation: dict[ShortText, CostAggregation] | None = None
    grouping: list[CostGrouping] | None = Field(None, max_length=8)


class CostTimePeriod(ArmBody):
    from_: datetime = Field(alias="from")
    to: datetime


class CostQueryBody(ArmBody):
    type: ShortText
    timeframe: ShortText
    timePeriod: CostTimePeriod | None = None
    dataset: CostDataset | None = None


# Microsoft.Consumption budgets ---------------------------------------------------------------------------
class BudgetNotificationBody(ArmBody):
    enabled: bool = True
    operator: ShortText = "GreaterThan"
    threshold: float
    contactEmails: list[Text] = Field(default_factory=list, max_length=50)
    thresholdType: ShortText | None = None


class BudgetTimePeriod(ArmBody):
    startDate: datetime
    endDate: datetime | None = None


class BudgetProperties(ArmBody):
    category: ShortText = "Cost"
    amount: float
    timeGrain: ShortText
    timePeriod: BudgetTimePeriod
    notifications: dict[ShortText, BudgetNotificationBody] | None = Field(None, max_length=16)


class BudgetBody(ArmBody):
    properties: BudgetProperties
    eTag: Text | None = None


# Microsoft.Billing -----------------------------------------------------------------------------------------
class BillingCancelBody(ArmBody):
    cancellationReason: Text | None = None
    customerId: Text | None = None
