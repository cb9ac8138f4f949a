"""Domain objects in ARM's wire shapes (camelCase, nested ``properties``)."""

from __future__ import annotations

from ...domain.lifecycle import Subscription

LOCATIONS = (
    ("westeurope", "West Europe", "Europe", "Netherlands", "4.8950", "52.3667", "northeurope"),
    ("northeurope", "North Europe", "Europe", "Ireland", "-6.2597", "53.3478", "westeurope"),
    ("eastus", "East US", "US", "Virginia", "-79.8164", "37.3719", "westus"),
    ("westus", "West US", "US", "California", "-122.417", "37.783", "eastus"),
    ("germanywestcentral", "Germany West Central", "Europe", "Frankfurt", "8.682127", "50.110924", "germanynorth"),
    ("swedencentral", "Sweden Central", "Europe", "Gävle", "17.14127", "60.67488", "swedensouth"),
)


def subscription(sub: Subscription, offers, tags: dict | None = None) -> dict:
    offer = offers.get(sub.offer_id)
    return {
        "id": sub.resource_id,
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sub.subscription_id,
        "tenantId": sub.tenant_id,
        "displayName": sub.display_name,
        "state": sub.state.value,
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": offer.quota_id,
            "spendingLimit": "On" if offer.spending_limit else "Off",
        },
        "tags": tags or {},
    }


def location(subscription_id: str, entry: tuple) -> dict:
    name, display, geography, city, longitude, latitude, paired = entry
    return {
        "id": f"/subscriptions/{subscription_id}/locations/{name}", "subscriptionId": subscription_id,
        "name": name, "type": "Region", "displayName": display, "regionalDisplayName": f"({geography}) {display}",
        "metadata": {
            "regionType": "Physical", "regionCategory": "Recommended", "geography": geography,
            "geographyGroup": geography, "longitude": longitude, "latitude": latitude, "physicalLocation": city,
            "pairedRegion": [{"name": paired, "id": f"/subscriptions/{subscription_id}/locations/{paired}",
                              "subscriptionId": subscription_id}],
        },
    }


def tenant(row: dict) -> dict:
    return {
        "id": f"/tenants/{row['tenant_id']}", "tenantId": row["tenant_id"], "tenantCategory": "Home",
        "country": "Netherlands", "countryCode": "NL", "displayName": row["name"], "domains": [row["domain"]],
        "defaultDomain": row["domain"], "tenantType": "AAD",
    }
