"""Microsoft.Consumption usage details at subscription scope, readable with ``azure-mgmt-consumption``
(``usage_details.list(scope="/subscriptions/{id}")``): one legacy usage record per day, resource and meter.

``$filter`` understands ``properties/usageStart ge '<date>'`` and ``properties/usageEnd le '<date>'``;
without it, the current billing period up to now.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from .errors import ArmError
from .routing import ArmRequest, ArmRouter, page

_AREA = "consumption"
_BOUND = re.compile(r"properties/usage(Start|End)\s+(ge|gt|le|lt|eq)\s+'([^']+)'", re.IGNORECASE)
_METER_NAMESPACE = uuid.UUID("6f1c4f6e-3a4b-4d58-9d0a-5b1d3c2a9e01")


def _bounds(text: str | None) -> tuple[datetime | None, datetime | None]:
    start = end = None
    for which, _, value in _BOUND.findall(text or ""):
        try:
            instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
            instant = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
            instant.astimezone(UTC)  # an instant at the calendar's edge has no UTC equivalent
            if which.lower() == "start":
                start = instant
            else:
                end = instant + timedelta(days=1) if len(value) <= 10 else instant
        except (ValueError, OverflowError):
            raise ArmError(400, "BadRequest", f"Cannot read the date {value!r} in $filter.") from None
    return start, end


def usage_record(row: dict, *, subscription_name: str, offer_id: str, period: tuple[datetime, datetime]) -> dict:
    resource_id = row["resourceId"]
    group = re.search(r"/resourceGroups/([^/]+)", resource_id, re.IGNORECASE)
    meter_id = str(uuid.uuid5(_METER_NAMESPACE, row["meter"]))
    # a day can hold two rows of one resource and meter (a switch-day invoice ends mid-day): "from" tells them apart
    record_id = str(uuid.uuid5(_METER_NAMESPACE, f"{row['date']}|{resource_id}|{row['meter']}|{row['unitPrice']}|"
                                                 f"{row['from'].isoformat()}"))
    return {
        "id": f"/subscriptions/{row['subscriptionId']}/providers/Microsoft.Consumption/usageDetails/{record_id}",
        "name": record_id, "type": "Microsoft.Consumption/usageDetails", "kind": "legacy",
        "properties": {
            "billingPeriodStartDate": period[0].isoformat(), "billingPeriodEndDate": period[1].isoformat(),
            "date": f"{row['date']}T00:00:00.0000000Z", "subscriptionId": row["subscriptionId"],
            "subscriptionName": subscription_name, "offerId": offer_id, "resourceId": resource_id,
            "resourceName": resource_id.rsplit("/", 1)[-1], "resourceGroup": group.group(1) if group else "",
            "consumedService": resource_id.split("/providers/")[-1].split("/")[0] if "/providers/" in resource_id else "",
            "meterId": meter_id, "product": row["meter"], "quantity": float(row["quantity"]),
            "effectivePrice": float(row["unitPrice"]), "unitPrice": float(row["unitPrice"]),
            "cost": float(row["amount"]), "billingCurrency": row["currency"], "chargeType": "Usage",
            "frequency": "UsageBased", "pricingModel": "On Demand", "isAzureCreditEligible": True,
            "additionalInfo": f'{{"from": "{row["from"].isoformat()}", "to": "{row["to"].isoformat()}", '
                              f'"amount": "{row["amount"]}"}}',
        },
    }


def register(router: ArmRouter) -> None:
    @router.route("GET", "/subscriptions/{sub}/providers/Microsoft.Consumption/usageDetails", area=_AREA,
                  resource_type="Microsoft.Consumption/usageDetails")
    def usage_details(ctx: ArmRequest):
        start, end = _bounds(ctx.q("$filter"))
        details = ctx.app.billing.usage_details(actor=ctx.actor, ref=ctx.params["sub"], start=start, end=end)
        return page(ctx, [usage_record(row, subscription_name=details.subscription_name, offer_id=details.offer_id,
                                       period=details.period) for row in details.rows])
