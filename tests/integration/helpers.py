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
