"""Budgets: an amount per month, quarter or year at a subscription or resource group, with notifications when
the actual cost crosses a percentage of it, as Microsoft.Consumption budgets are.

A budget's periods start on its start date (the first of a month) and repeat by its time grain until its end
date. Each notification fires at most once per period, the first time the period's cost is past its threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from .errors import InvalidInput

TIME_GRAINS = {"monthly": ("Monthly", 1), "quarterly": ("Quarterly", 3), "annually": ("Annually", 12)}
OPERATORS = ("EqualTo", "GreaterThan", "GreaterThanOrEqualTo")
MAX_NOTIFICATIONS = 5
_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass(frozen=True)
class BudgetNotification:
    name: str
    enabled: bool
    operator: str
    threshold: Decimal  # percent of the amount, 0 < t <= 1000
    contact_emails: tuple[str, ...]

    def fires_at(self, spent: Decimal, amount: Decimal) -> bool:
        percent = spent * 100 / amount
        if self.operator == "GreaterThan":
            return percent > self.threshold
        return percent >= self.threshold  # EqualTo cannot be hit exactly by accruing cost: Azure treats it so too


@dataclass(frozen=True)
class Budget:
    scope: str  # /subscriptions/{id} or /subscriptions/{id}/resourceGroups/{name}
    name: str
    subscription_id: str
    resource_group: str | None
    amount: Decimal
    time_grain: str  # Monthly, Quarterly, Annually
    start: date
    end: date
    notifications: tuple[BudgetNotification, ...]

    @property
    def resource_id(self) -> str:
        return f"{self.scope}/providers/Microsoft.Consumption/budgets/{self.name}"


def _months(grain: str) -> int:
    return TIME_GRAINS[grain.lower()][1]


def add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def period_at(budget: Budget, now: datetime) -> tuple[datetime, datetime] | None:
    """The budget's period holding ``now`` (UTC), or None before its start or after its end."""
    today = now.astimezone(UTC).date()
    if today < budget.start or today >= budget.end:
        return None
    step = _months(budget.time_grain)
    elapsed = (today.year - budget.start.year) * 12 + today.month - budget.start.month
    first = add_months(budget.start, elapsed - elapsed % step)
    last = min(add_months(first, step), budget.end)
    return (datetime.combine(first, time(), UTC), datetime.combine(last, time(), UTC))


def due(budget: Budget, spent: Decimal, already: set[str]) -> list[BudgetNotification]:
    """The notifications the period's cost has crossed that have not fired in this period yet."""
    return [n for n in budget.notifications if n.enabled and n.name not in already and n.fires_at(spent, budget.amount)]


def check_name(name: str) -> None:
    if not _NAME.match(name):
        raise InvalidInput("InvalidBudgetName", f"The budget name '{name}' is invalid: 1 to 63 letters, digits, "
                                                "'-' or '_'.", name=name)


def build(*, scope: str, name: str, subscription_id: str, resource_group: str | None, category: str,
          amount: Decimal, time_grain: str, start: date, end: date | None,
          notifications: list[BudgetNotification]) -> Budget:
    check_name(name)
    if category.lower() != "cost":
        raise InvalidInput("InvalidBudgetCategory", "Only Cost budgets are supported.")
    if time_grain.lower() not in TIME_GRAINS:
        raise InvalidInput("InvalidTimeGrain", f"timeGrain must be Monthly, Quarterly or Annually, not {time_grain!r}.")
    if not amount > 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput("InvalidBudgetAmount", "The amount must be positive, with at most two decimals.")
    if start.day != 1:
        raise InvalidInput("InvalidTimePeriod", "The start date must be the first day of a month.")
    end = end or add_months(start, 120)  # Azure's default: ten years
    if end <= start:
        raise InvalidInput("InvalidTimePeriod", "The end date must be after the start date.")
    if len(notifications) > MAX_NOTIFICATIONS:
        raise InvalidInput("TooManyNotifications", f"A budget has at most {MAX_NOTIFICATIONS} notifications.")
    for notification in notifications:
        if notification.operator not in OPERATORS:
            raise InvalidInput("InvalidNotificationOperator", f"operator must be one of {', '.join(OPERATORS)}.")
        if not Decimal(0) < notification.threshold <= Decimal(1000):
            raise InvalidInput("InvalidNotificationThreshold", "A threshold is a percentage above 0, up to 1000.")
        if not notification.contact_emails or not all(_EMAIL.match(e) for e in notification.contact_emails):
            raise InvalidInput("InvalidContactEmails", "A notification needs at least one valid contact e-mail.")
    return Budget(scope, name, subscription_id.lower(), resource_group, amount,
                  TIME_GRAINS[time_grain.lower()][0], start, end, tuple(notifications))
