"""Small helpers shared by the integration tests."""

from __future__ import annotations

from subplane.domain.access import OPERATOR
from subplane.domain.resources import ResourceType


def by_name(app, subscription: str) -> dict:
    return {r.name: r for r in app.resources.list(actor=OPERATOR, subscription=subscription)}


def principal(app, name: str):
    return app.directory.principal(name)


def storage_account(app, subscription: str):
    return next(r for r in by_name(app, subscription).values() if r.type is ResourceType.STORAGE_ACCOUNT)


def cancelled_trials(app, count: int, *, prefix: str = "race") -> list[str]:
    """``count`` new Free Trial subscriptions on the demo account, each cancelled; their ids."""
    account = app.subscriptions.get(actor=OPERATOR, ref="Ontwikkeling").billing_account_id
    ids = []
    for n in range(count):
        sub = app.subscriptions.create(actor=OPERATOR, display_name=f"{prefix}-{n}", billing_account_id=account,
                                       offer_id="MS-AZR-0044P")
        app.subscriptions.cancel(actor=OPERATOR, ref=sub.subscription_id, reason=prefix)
        ids.append(sub.subscription_id)
    return ids
