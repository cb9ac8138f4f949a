"""The price list as data: meters, their units, effective-dated prices per currency, and VAT rates.

Pure: built from the shipped JSON (``data/prices.json``, ``data/tax.json``) plus optional overrides.
Money is ``Decimal``; a meter without a price in a currency is an error, never a silent zero.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .errors import InvalidInput

GIB = 1024**3
SECONDS_PER_HOUR = 3600
SECONDS_PER_MONTH = 730 * SECONDS_PER_HOUR  # the cloud's billing month: 730 hours


class Unit(StrEnum):
    HOUR = "hour"  # price per hour the resource is allocated
    GB_MONTH = "gbMonth"  # price per GiB stored for a 730-hour month, to the byte and the second
    MONTH = "month"  # price per 730-hour month, pro rata to the second
    MONTH_STEP = "monthStep"  # price per started month, no proration (support plans)

    @property
    def label(self) -> str:
        return {"hour": "1 Hour", "gbMonth": "1 GB/Month", "month": "1/Month", "monthStep": "1/Month"}[self.value]

    def denominator(self) -> int:
        """Quantity = quantity-seconds / denominator (the span quantity is 1, or bytes for storage)."""
        return _DENOMINATORS[self._value_]  # _value_: month end calls this ~10^5 times; .value is a descriptor


_DENOMINATORS = {"hour": SECONDS_PER_HOUR, "gbMonth": GIB * SECONDS_PER_MONTH, "month": SECONDS_PER_MONTH, "monthStep": 1}


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class PriceList:
    units: Mapping[str, Unit]
    disk_tiers: Mapping[str, tuple[tuple[int, str], ...]]
    # (currency, meter) -> sorted [(effective_from, price)]
    prices: Mapping[tuple[str, str], tuple[tuple[datetime, Decimal], ...]]
    vat_rates: Mapping[str, Decimal] = field(default_factory=dict)
    payment_term_days: int = 10
    grace_period_days: int = 30
    payment_warning_days: int = 3  # Warned(PaymentOverdueSoon) this many days before a due date the card will miss

    @classmethod
    def from_data(cls, price_data: Mapping[str, Any], tax_data: Mapping[str, Any],
                  overrides: Sequence[Mapping[str, Any]] = ()) -> PriceList:
        units = {meter: Unit(unit) for meter, unit in price_data["meters"].items()}
        tiers = {sku: tuple((int(size), tier) for size, tier in rows) for sku, rows in price_data.get("diskTiers", {}).items()}
        collected: dict[tuple[str, str], dict[datetime, Decimal]] = {}
        for data in (price_data, *overrides):
            units.update({meter: Unit(unit) for meter, unit in data.get("meters", {}).items()})
            for entry in data.get("priceLists", []):
                start = parse_instant(entry["effectiveFrom"])
                for currency, table in entry.items():
                    if currency == "effectiveFrom":
                        continue
                    for meter, price in table.items():
                        if meter not in units:
                            raise InvalidInput("UnknownMeter", f"price list names meter {meter!r} without a unit")
                        collected.setdefault((currency.upper(), meter), {})[start] = Decimal(str(price))
        prices = {key: tuple(sorted(by_start.items())) for key, by_start in collected.items()}
        billing = tax_data.get("billing", {})
        return cls(units, tiers, prices, {c.upper(): Decimal(str(r)) for c, r in tax_data["rates"].items()},
                   int(billing.get("paymentTermDays", 10)), int(billing.get("gracePeriodDays", 30)),
                   int(billing.get("paymentWarningDays", 3)))

    # lookups ---------------------------------------------------------------------------------
    def unit(self, meter: str) -> Unit:
        try:
            return self.units[meter]
        except KeyError:
            raise InvalidInput("UnknownMeter", f"The price list has no meter {meter!r}.", meter=meter) from None

    def schedule(self, meter: str, currency: str) -> tuple[tuple[datetime, Decimal], ...]:
        found = self.prices.get((currency.upper(), meter))
        if not found:
            raise InvalidInput("NoPriceForMeter", f"The price list has no {currency} price for {meter!r}.",
                               meter=meter, currency=currency)
        return found

    def require(self, meter: str, currency: str) -> None:
        self.unit(meter)
        self.schedule(meter, currency)

    def price_at(self, meter: str, currency: str, at: datetime) -> Decimal:
        schedule = self.schedule(meter, currency)
        if len(schedule) == 1 and schedule[0][0] <= at:
            return schedule[0][1]
        index = bisect_right([start for start, _ in schedule], at) - 1
        if index < 0:
            raise InvalidInput("NoPriceForMeter", f"{meter!r} has no {currency} price before {at.isoformat()}.")
        return schedule[index][1]

    def pieces(self, meter: str, currency: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime, Decimal]]:
        """[start, end) cut at every price change, each piece with the price in force."""
        schedule = self.schedule(meter, currency)
        if len(schedule) == 1 and schedule[0][0] <= start:
            return [(start, end, schedule[0][1])]
        result = []
        for index, (effective, price) in enumerate(schedule):
            following = schedule[index + 1][0] if index + 1 < len(schedule) else None
            lo = max(start, effective)
            hi = end if following is None else min(end, following)
            if lo < hi:
                result.append((lo, hi, price))
        if result and result[0][0] > start:
            raise InvalidInput("NoPriceForMeter", f"{meter!r} has no {currency} price before {result[0][0].isoformat()}.")
        return result

    def has_currency(self, currency: str) -> bool:
        return any(c == currency.upper() for c, _ in self.prices)

    def vat_rate(self, country: str) -> Decimal:
        try:
            return self.vat_rates[country.upper()]
        except KeyError:
            raise InvalidInput("UnknownTaxCountry", f"No VAT rate is known for country {country!r}.", country=country) from None

    def disk_tier(self, sku: str, size_gb: int) -> str:
        for max_size, tier in self.disk_tiers.get(sku, ()):
            if size_gb <= max_size:
                return tier
        raise InvalidInput("UnknownDiskSize", f"No {sku} disk tier holds {size_gb} GB.", sku=sku, size_gb=size_gb)


def meter_name(meter: str) -> str:
    """A person's name for a meter id: ``vm/Standard_B2s`` -> ``Virtual Machines Standard_B2s``."""
    kind, _, rest = meter.partition("/")
    label = {"vm": "Virtual Machines", "ip": "Public IP Address", "storage": "Storage Capacity",
             "disk": "Managed Disk", "support": "Support Plan"}.get(kind, kind)
    return f"{label} {rest.replace('/', ' ')}".strip()
