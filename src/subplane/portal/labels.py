"""Words for the domain's codes: states, reasons, roles, power states, refusals. Marked with ``N_`` so
`pybabel extract -k N_` finds them; they are translated when a page is rendered."""

from __future__ import annotations

from ..domain.billing import InvoiceStatus
from ..domain.errors import DomainError
from ..domain.lifecycle import Reason, State, Subscription


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


STATES = {
    State.ENABLED: N_("Enabled"),
    State.WARNED: N_("Warned"),
    State.PAST_DUE: N_("Past due"),
    State.DISABLED: N_("Disabled"),
    State.DELETED: N_("Deleted"),
}
REASONS = {
    Reason.CANCELLED: N_("cancelled"),
    Reason.SPENDING_LIMIT_REACHED: N_("spending limit reached"),
    Reason.CREDIT_EXPIRED: N_("credit expired"),
    Reason.NON_PAYMENT: N_("not paid"),
    Reason.DISABLED_BY_OPERATOR: N_("disabled by the operator"),
    Reason.DELETED_BY_OWNER: N_("deleted by the owner"),
    Reason.RETENTION_EXPIRED: N_("retention period ended"),
    Reason.DELETED_BY_OPERATOR: N_("deleted by the operator"),
    Reason.CREDIT_NEARLY_USED: N_("credit nearly used"),
    Reason.PAYMENT_OVERDUE_SOON: N_("payment overdue soon"),
}
ROLES = {
    "AccountAdministrator": N_("Account Administrator"),
    "Owner": N_("Owner"),
    "Contributor": N_("Contributor"),
    "Reader": N_("Reader"),
}
POWER_STATES = {
    "running": N_("running"),
    "stopped": N_("stopped (still allocated)"),
    "deallocated": N_("deallocated"),
    "starting": N_("starting"),
    "stopping": N_("stopping"),
    "deallocating": N_("deallocating"),
}
RESOURCE_TYPES = {
    "Microsoft.Compute/virtualMachines": N_("Virtual machine"),
    "Microsoft.Network/networkInterfaces": N_("Network interface"),
    "Microsoft.Network/publicIPAddresses": N_("Public IP address"),
    "Microsoft.Storage/storageAccounts": N_("Storage account"),
    "Microsoft.Compute/disks": N_("Disk"),
}
# What the activity log records (services' action codes), in words. Unknown codes are shown as they are.
ACTIONS = {
    "create": N_("Subscription created"),
    "cancel": N_("Subscription cancelled"),
    "reactivate": N_("Subscription reactivated"),
    "delete": N_("Subscription deleted"),
    "rename": N_("Subscription renamed"),
    "switchOffer": N_("Offer switched"),
    "upgrade": N_("Upgraded to Pay-As-You-Go"),
    "expireRetention": N_("Retention period ended: data deleted"),
    "reachSpendingLimit": N_("Spending limit reached"),
    "expireCredit": N_("Credit expired"),
    "liftSpendingLimit": N_("Spending limit lifted"),
    "markPastDue": N_("Payment past due"),
    "settle": N_("Balance settled"),
    "disableForNonPayment": N_("Disabled for non-payment"),
    "warnCreditNearlyUsed": N_("Warning: credit nearly used"),
    "warnPaymentOverdueSoon": N_("Warning: payment overdue soon"),
    "clearWarning": N_("Warning cleared"),
    "renewCredit": N_("Credit renewed"),
    "createAlias": N_("Subscription alias created"),
    "deleteAlias": N_("Subscription alias deleted"),
    "assignRole": N_("Role assigned"),
    "removeRoleAssignment": N_("Role assignment removed"),
    "createResourceGroup": N_("Resource group created"),
    "tagResourceGroup": N_("Resource group tagged"),
    "deleteResourceGroup": N_("Resource group deleted"),
    "createVirtualMachine": N_("Virtual machine created"),
    "createNetworkInterface": N_("Network interface created"),
    "createPublicIp": N_("Public IP address created"),
    "createStorageAccount": N_("Storage account created"),
    "createDisk": N_("Disk created"),
    "deleteResource": N_("Resource deleted"),
    "regenerateStorageKey": N_("Storage key regenerated"),
    "createContainer": N_("Container created"),
    "deleteContainer": N_("Container deleted"),
    "putBlob": N_("File uploaded"),
    "deleteBlob": N_("File deleted"),
    "vm.start": N_("Virtual machine started"),
    "vm.powerOff": N_("Virtual machine stopped"),
    "vm.restart": N_("Virtual machine restarted"),
    "vm.deallocate": N_("Virtual machine deallocated"),
    "createBudget": N_("Budget created"),
    "updateBudget": N_("Budget changed"),
    "deleteBudget": N_("Budget deleted"),
    "moveSubscription": N_("Subscription moved to another management group"),
    "billing.pay": N_("Invoice paid"),
    "billing.settle": N_("Balance settled"),
    "billing.setCard": N_("Payment card changed"),
    "billing.supportPlan": N_("Support plan changed"),
    "billing.removeSpendingLimit": N_("Spending limit removed"),
}
INVOICE_STATUSES = {InvoiceStatus.DUE: N_("Due"), InvoiceStatus.PAID: N_("Paid"), InvoiceStatus.PAST_DUE: N_("Past due")}
# The fixed list of the cancel flow (lifecycle-billing.md §1.5 step 6); "other" asks for words.
CANCEL_REASONS = {
    "not-needed": N_("I no longer need this subscription"),
    "too-expensive": N_("It is too expensive"),
    "moving": N_("I am moving to another subscription or provider"),
    "project-ended": N_("The project has ended"),
    "other": N_("Other"),
}
ERRORS = {
    "AuthorizationFailed": N_("You do not have permission to do this. Only the Account Administrator or an "
                              "Owner of the subscription can cancel, reactivate or delete it."),
    "ResourcesExistingOnSubscription": N_("This subscription still has resources. Confirm that they may be "
                                          "turned off, or delete them first."),
    "InvalidStateTransition": N_("This is not possible in the subscription's current state."),
    "ReadOnlyDisabledSubscription": N_("The subscription is disabled: its resources are read-only."),
    "StorageAccountReadOnly": N_("This storage account is read-only."),
    "DeleteTooSoon": N_("The minimum wait after cancelling has not passed yet."),
    "ConfirmationNameMismatch": N_("The name you typed does not match the subscription's name."),
    "CancellationReasonRequired": N_("Choose a reason for cancelling."),
    "RetentionExpired": N_("The retention period has ended; the subscription can no longer be reactivated."),
    "SubscriptionNotFound": N_("This subscription does not exist or you cannot see it."),
    "OperationNotAllowed": N_("The virtual machine cannot do that in its current power state."),
    "FirstBillingPeriodNotCompleted": N_("Offers can be switched once the first billing period has ended."),
    "OfferSwitchNotAllowed": N_("This offer cannot be switched to the chosen offer."),
    "UseUpgrade": N_("This offer has a spending limit: upgrade it to Pay-As-You-Go instead."),
    "ClockAdvanceNotAllowed": N_("A Reader cannot move the emulator's clock: it is shared by every subscription. "
                                 "Ask an Account Administrator, Owner or Contributor."),
    "CsrfTokenInvalid": N_("This form has expired or did not come from this portal. Go back, reload the page and "
                           "try again."),
}


def state_text(sub: Subscription, gettext) -> str:
    """The state with its reason in words, e.g. "Uitgeschakeld / opgezegd"."""
    text = gettext(STATES.get(sub.state, sub.state.value))
    if sub.state_reason is not None:
        text += " / " + gettext(REASONS.get(sub.state_reason, sub.state_reason.value))
    return text


def error_text(error: DomainError, translations) -> str:
    return refusal_text(error.code, error.message, translations.gettext)


def refusal_text(code: str | None, message: str | None, gettext) -> str:
    """A refusal in the reader's language where we have words for its code, else the service's message."""
    known = ERRORS.get(code or "")
    return gettext(known) if known else (message or "")


def action_text(code: str, gettext) -> str:
    known = ACTIONS.get(code)
    return gettext(known) if known else code
