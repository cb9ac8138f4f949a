"""Microsoft.Resources subscriptions/tenants/locations and Microsoft.Subscription cancel/enable/rename.

Product decisions (arm-contract.md): cancel with resources and no ``IgnoreResourceCheck=true`` is a 400
``ResourcesExistingOnSubscription``; the state is ``Disabled`` at once; a repeat cancel or enable answers
200 with the same body and records nothing. Subplane adds one call of its own, under its own namespace:
``POST /subscriptions/{id}/providers/Subplane.Subscription/delete`` with ``{"confirmName": ...}``.
"""

from __future__ import annotations

from ...domain.lifecycle import Subscription
from . import render
from .errors import ArmError
from .paging import Position, keyset_page
from .routing import ArmRequest, ArmResponse, ArmRouter, page
from .schemas import DeleteSubscriptionBody, RenameBody

CANCEL_REASON = "Cancelled through the ARM API"
_SUBS = "subscriptions"
_ACTIONS = "subscription-actions"
SUBSCRIPTION_OPERATIONS = (
    ("cancel/action", "Cancel subscription", "Cancels the subscription"),
    ("enable/action", "Enable subscription", "Reactivates a cancelled subscription"),
    ("rename/action", "Rename subscription", "Renames the subscription"),
    ("aliases/write", "Create subscription alias", "Creates a subscription through an alias"),
)


def register(router: ArmRouter) -> None:
    @router.route("GET", "/subscriptions", area=_SUBS)
    def list_subscriptions(ctx: ArmRequest):
        def fetch(position: Position, limit: int) -> list[Subscription]:
            after = (position.after[0], position.after[1]) if position.after else None
            return ctx.app.subscriptions.page(actor=ctx.actor, after=after, offset=position.offset, limit=limit)

        def rendered(subs: list[Subscription]) -> list[dict]:
            tags = ctx.app.management.subscription_tags([s.subscription_id for s in subs])
            return [render.subscription(s, ctx.app.offers, tags.get(s.subscription_id)) for s in subs]

        return keyset_page(ctx, fetch=fetch, key=lambda s: (s.display_name, s.subscription_id), key_parts=2,
                           render=rendered)

    @router.route("GET", "/subscriptions/{sub}", area=_SUBS)
    def get_subscription(ctx: ArmRequest):
        sub, tags = ctx.app.subscriptions.get_with_tags(actor=ctx.actor, ref=ctx.params["sub"])  # one unit of work
        return render.subscription(sub, ctx.app.offers, tags)

    @router.route("GET", "/subscriptions/{sub}/locations", area=_SUBS)
    def list_locations(ctx: ArmRequest):
        sub = ctx.app.subscriptions.get(actor=ctx.actor, ref=ctx.params["sub"])
        return {"value": [render.location(sub.subscription_id, entry) for entry in render.LOCATIONS]}

    @router.route("GET", "/tenants", area=_SUBS)
    def list_tenants(ctx: ArmRequest):
        return page(ctx, [render.tenant(t) for t in ctx.app.identity.tenants_of(ctx.actor)])

    @router.route("POST", "/subscriptions/{sub}/providers/Microsoft.Subscription/cancel", area=_ACTIONS,
                  resource_type="Microsoft.Subscription/cancel")
    def cancel(ctx: ArmRequest):
        result = ctx.app.subscriptions.cancel(actor=ctx.actor, ref=ctx.params["sub"], reason=CANCEL_REASON,
                                              turn_off_resources=ctx.flag("IgnoreResourceCheck"))
        return {"subscriptionId": result.subscription.subscription_id}

    @router.route("POST", "/subscriptions/{sub}/providers/Microsoft.Subscription/enable", area=_ACTIONS,
                  resource_type="Microsoft.Subscription/enable")
    def enable(ctx: ArmRequest):
        sub = ctx.app.subscriptions.reactivate(actor=ctx.actor, ref=ctx.params["sub"])
        return {"subscriptionId": sub.subscription_id}

    @router.route("POST", "/subscriptions/{sub}/providers/Microsoft.Subscription/rename", area=_ACTIONS,
                  resource_type="Microsoft.Subscription/rename", body=RenameBody)
    def rename(ctx: ArmRequest):
        sub = ctx.app.subscriptions.rename(actor=ctx.actor, ref=ctx.params["sub"],
                                           new_name=ctx.model.subscriptionName)
        return {"subscriptionId": sub.subscription_id}

    @router.route("POST", "/subscriptions/{sub}/providers/Subplane.Subscription/delete", area=_ACTIONS,
                  resource_type="Subplane.Subscription/delete", body=DeleteSubscriptionBody)
    def delete(ctx: ArmRequest):
        sub = ctx.app.subscriptions.delete(actor=ctx.actor, ref=ctx.params["sub"],
                                           confirm_name=ctx.model.confirmName)
        return render.subscription(sub, ctx.app.offers)

    @router.route("GET", "/providers/Microsoft.Subscription/operations", area=_ACTIONS,
                  resource_type="Microsoft.Subscription/operations")
    def operations(ctx: ArmRequest):
        return page(ctx, [
            {"name": f"Microsoft.Subscription/{name}", "isDataAction": False,
             "display": {"provider": "Microsoft Subscription", "resource": "Subscription", "operation": title,
                         "description": text}}
            for name, title, text in SUBSCRIPTION_OPERATIONS
        ])

    @router.route("GET", "/subscriptions/{sub}/providers/Microsoft.Resources/operationStatuses/{op}", area="any")
    def operation_status(ctx: ArmRequest):
        failure = ctx.app.faults.failure(ctx.params["op"])
        if failure is not None:
            return {"id": ctx.path, "name": ctx.params["op"], "status": "Failed", "error": failure}
        return {"id": ctx.path, "name": ctx.params["op"], "status": "Succeeded"}

    @router.route("GET", "/subscriptions/{sub}/operationresults/{op}", area="any")
    def operation_result(ctx: ArmRequest):
        failure = ctx.app.faults.failure(ctx.params["op"])
        if failure is not None:
            raise ArmError(400, failure["code"], failure["message"])
        # Every operation that advertises this Location (lro_operations: FinalLocation.RESULT) declares 200 without
        # a body; 204 is not declared for the power actions or the group delete, and the JavaScript pollers refuse
        # an undeclared status.
        return ArmResponse(200)
