"""Offer catalogue types. Every rule an operator may want to change is a field here, not code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .errors import InvalidInput, NotFound

ACCOUNT_ADMINISTRATOR = "AccountAdministrator"
OWNER = "Owner"
SERVICE_ADMINISTRATOR = "ServiceAdministrator"
LIFECYCLE_ROLES = frozenset({ACCOUNT_ADMINISTRATOR, OWNER, SERVICE_ADMINISTRATOR})


@dataclass(frozen=True)
class Offer:
    offer_id: str
    name: str
    quota_id: str
    retention_days: int
    self_service_reactivation: bool
    cancel_roles: frozenset[str]
    credit_amount: Decimal | None = None
    credit_validity_days: int | None = None
    spending_limit: bool = False
    spending_limit_removable: bool = False  # the Account Administrator may remove the limit (charges beyond the credit)
    # A renewing credit is granted again at the start of every billing period and is valid for that
    # period (``credit_validity_days`` is then not used); otherwise it is granted once at sign-up.
    credit_renews_each_period: bool = False
    # Warned(CreditNearlyUsed) once this share of a spending-limit credit is used.
    credit_warning_ratio: Decimal = Decimal("0.9")
    switch_targets: tuple[str, ...] = ()
    billing_cycle: str = "anniversary"
    delete_min_wait_minutes: int = 15
    reminder_days_before_deletion: tuple[int, ...] = (7, 1)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Offer:
        try:
            roles = frozenset(data["cancelRoles"])
            unknown = roles - LIFECYCLE_ROLES
            if unknown:
                raise InvalidInput("InvalidOffer", f"offer {data['offerId']}: unknown roles {sorted(unknown)}")
            credit = data.get("credit") or {}
            if not 0 < Decimal(str(credit.get("warnAtPercent", 90))) <= 100:
                raise InvalidInput("InvalidOffer", f"offer {data['offerId']}: credit.warnAtPercent must be in (0, 100]")
            return cls(
                offer_id=data["offerId"],
                name=data["name"],
                quota_id=data["quotaId"],
                retention_days=int(data["retentionDays"]),
                self_service_reactivation=bool(data["selfServiceReactivation"]),
                cancel_roles=roles,
                credit_amount=Decimal(str(credit["amount"])) if credit else None,
                credit_validity_days=int(credit["validityDays"]) if credit else None,
                spending_limit=bool(data.get("spendingLimit", False)),
                spending_limit_removable=bool(data.get("spendingLimitRemovable", False)),
                credit_renews_each_period=bool(credit.get("renewsEachPeriod", False)),
                credit_warning_ratio=Decimal(str(credit.get("warnAtPercent", 90))) / 100,
                switch_targets=tuple(data.get("switchTargets", ())),
                billing_cycle=data.get("billingCycle", "anniversary"),
                delete_min_wait_minutes=int(data.get("deleteMinWaitMinutes", 15)),
                reminder_days_before_deletion=tuple(data.get("reminderDaysBeforeDeletion", (7, 1))),
            )
        except KeyError as missing:
            raise InvalidInput("InvalidOffer", f"offer definition lacks field {missing}") from None


@dataclass(frozen=True)
class OfferCatalogue:
    offers: Mapping[str, Offer] = field(default_factory=dict)

    def get(self, offer_id: str) -> Offer:
        offer = self.offers.get(offer_id.upper())
        if offer is None:
            raise NotFound("OfferNotFound", f"offer {offer_id!r} does not exist", offer_id=offer_id)
        return offer

    @classmethod
    def from_list(cls, items: list[Mapping[str, Any]]) -> OfferCatalogue:
        offers = {}
        for item in items:
            offer = Offer.from_mapping(item)
            offers[offer.offer_id.upper()] = offer
        return cls(offers)

    def merged(self, overrides: OfferCatalogue) -> OfferCatalogue:
        return OfferCatalogue({**self.offers, **overrides.offers})
