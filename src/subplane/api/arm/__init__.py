"""The ARM-compatible API: Microsoft.Resources, .Subscription, .Compute, .Network, .Storage, .Authorization."""

from __future__ import annotations

from ...domain.errors import InvalidInput
from ...services import throttle
from ..lanes import Lane
from . import (
    activity_log,
    aliases,
    authorization,
    billing_accounts,
    budgets,
    compute,
    consumption,
    cost_management,
    groups,
    management_groups,
    metadata,
    network,
    storage,
    subscriptions,
    tags,
)
from .entry import ArmApi, ArmRoute
from .routing import ArmRouter
from .versions import POLICIES


def build_router() -> ArmRouter:
    router = ArmRouter()
    for module in (metadata, subscriptions, aliases, tags, groups, compute, network, storage, authorization,
                   consumption, activity_log, management_groups, cost_management, budgets, billing_accounts):
        module.register(router)
    return router


def install(http, app) -> ArmApi:
    """Put the ARM route first in the app's route list; returns the ASGI ARM endpoint."""
    settings = app.settings
    if settings.api_version_policy not in POLICIES:
        raise InvalidInput("InvalidSetting", f"api-version policy must be strict or lenient, not {settings.api_version_policy!r}")
    api = ArmApi(app, app.token_keys, build_router(), policy=settings.api_version_policy,
                 throttle=throttle.buckets_for(app.uow, settings.arm_throttle, app.engine.dialect.name),
                 page_size=settings.arm_page_size, reads=Lane("arm-reads", settings.request_threads),
                 writes=Lane("arm-writes", settings.request_threads))
    http.router.routes.insert(0, ArmRoute(api))
    return api
