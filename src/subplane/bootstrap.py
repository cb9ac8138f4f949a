"""Composition root: builds the engine, clock, blob store and services. Nothing runs at import time."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources as package_files

from sqlalchemy import Engine

from . import logs
from .adapters.blobstore import BlobStore, FileBlobStore
from .adapters.db import migrate
from .adapters.db.engine import make_engine
from .clock import Clock, SimulatedClock, SystemClock
from .domain.offers import OfferCatalogue
from .services.unit_of_work import UnitOfWork
from .settings import Settings


def load_offers(settings: Settings) -> OfferCatalogue:
    shipped = json.loads(package_files.files("subplane.data").joinpath("offers.json").read_text("utf-8"))
    catalogue = OfferCatalogue.from_list(shipped)
    if settings.offers_file:
        catalogue = catalogue.merged(OfferCatalogue.from_list(json.loads(settings.offers_file.read_text("utf-8"))))
    return catalogue


def _storable_id(value: str | None) -> str | None:
    """A client's correlation id joins the activity log only if its column holds it (64 printable characters)."""
    return value if value and len(value) <= 64 and value.isprintable() else None


def default_instance() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class App:
    """Everything a use case needs, built once per process from one ``Settings``."""

    settings: Settings
    engine: Engine
    clock: Clock
    offers: OfferCatalogue
    blobstore: BlobStore
    # who this process is (host:pid, or SUBPLANE_INSTANCE_NAME): recorded on the jobs, mails and
    # deliveries it claims, so an operator of several processes can tell which one did what
    instance: str = field(default_factory=lambda: default_instance())

    def uow(self, *, correlation_id: str | None = None, read_only: bool = False) -> UnitOfWork:
        # an HTTP request's correlation id (the request middleware sets it) reaches the activity log by default,
        # so ``correlationId eq`` in the activity-log API finds what a request did
        return UnitOfWork(self.engine, self.clock, correlation_id=correlation_id or _storable_id(logs.correlation_id.get()),
                          read_only=read_only)

    @cached_property
    def subscriptions(self):
        from .services.subscriptions import SubscriptionService

        return SubscriptionService(self)

    @cached_property
    def resources(self):
        from .services.resources import ResourceService

        return ResourceService(self)

    @cached_property
    def directory(self):
        from .services.directory import DirectoryService

        return DirectoryService(self)

    @cached_property
    def blobs(self):
        from .services.blobs import BlobService

        return BlobService(self)

    @cached_property
    def activity_log(self):
        from .services.activity_log import ActivityLogService

        return ActivityLogService(self.uow, self.offers)

    @cached_property
    def management_groups(self):
        from .services.management_groups import ManagementGroupService

        return ManagementGroupService(self.uow, self.offers)

    @cached_property
    def cost_query(self):
        from .services.cost_query import CostQueryService

        return CostQueryService(self.uow, self.billing)

    @cached_property
    def budgets(self):
        from .services.budgets import BudgetService

        return BudgetService(self.uow, self.billing, self.offers)

    @cached_property
    def customer_details(self):
        from .services.invoice_parties import CustomerDetailsService

        return CustomerDetailsService(self.uow)

    @cached_property
    def billing_accounts(self):
        from .services.billing_accounts import BillingAccountService

        return BillingAccountService(self.uow, self.billing, self.installation)

    @cached_property
    def freed_pages(self):
        from .services.forgetting import FreedPages

        return FreedPages(self.engine)

    @cached_property
    def clock_control(self):
        from .services.admin import ClockService

        return ClockService(self)

    @cached_property
    def jobs(self):
        from .jobs.runner import Runner

        return Runner(self)

    # operability (issue 6) -------------------------------------------------------------------
    @cached_property
    def notifications(self):
        from .services.notifications import NotificationService

        return NotificationService(self)

    @cached_property
    def webhooks(self):
        from .services.webhooks import WebhookService

        return WebhookService(self)

    @cached_property
    def outbox_dispatcher(self):
        from .services.outbox_dispatch import OutboxDispatcher

        return OutboxDispatcher(self)

    @cached_property
    def snapshots(self):
        from .services.snapshots import SnapshotService

        return SnapshotService(self)

    @cached_property
    def faults(self):
        from .services.faults import FaultService

        return FaultService(self)

    @cached_property
    def operator(self):
        from .services.operator_access import OperatorAccess

        return OperatorAccess(self)

    @cached_property
    def request_log(self):
        from .services.request_log import RequestLog

        return RequestLog(self)

    @cached_property
    def billing(self):
        from .services.billing import BillingService

        return BillingService(self)

    # ARM API and identity (issue 3) ---------------------------------------------------------
    @cached_property
    def identity(self):
        from .services.identity import IdentityService

        return IdentityService(self)

    @cached_property
    def authority(self):
        from .domain.authority import Authority

        return Authority(self.settings.public_base_urls)

    @cached_property
    def signing_keys(self):
        from .services.signing_keys import SigningKeyService

        return SigningKeyService(self)

    @cached_property
    def token_keys(self):
        from .adapters.tokens import TokenKeys

        return TokenKeys(self.signing_keys.usable, self.authority)

    @cached_property
    def installation(self):
        from .services.installation_secrets import InstallationSecrets

        return InstallationSecrets(self)

    @cached_property
    def lockout(self):
        from .services.lockout import LockoutService

        return LockoutService(self)

    @cached_property
    def management(self):
        from .services.management import ManagementService

        return ManagementService(self)

    def close(self) -> None:
        if "request_log" in self.__dict__:  # built (cached_property): store what its writer has queued
            self.request_log.close()
        self.engine.dispose()


def make_blob_store(settings: Settings) -> BlobStore:
    """The store ``SUBPLANE_BLOB_STORE`` names; the others' libraries are not even imported."""
    if settings.blob_store == "database":
        from .adapters.blobstore_db import DatabaseBlobStore

        return DatabaseBlobStore()
    if settings.blob_store == "s3":
        from .adapters import blobstore_s3

        client = blobstore_s3.client(settings.s3_endpoint, settings.s3_region)
        return blobstore_s3.S3BlobStore(client, settings.s3_bucket, settings.s3_prefix)
    return FileBlobStore(settings.data_dir / "blobs")


def build_app(settings: Settings, *, migrate_schema: bool = True) -> App:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    blobstore = make_blob_store(settings)
    blobstore.check()
    engine = make_engine(settings.effective_database_url)
    if migrate_schema:
        migrate.ensure_current(engine)
    clock: Clock = SimulatedClock(settings.clock_start) if settings.simulated_clock else SystemClock()
    app = App(settings, engine, clock, load_offers(settings), blobstore,
              instance=settings.instance_name or default_instance())
    if isinstance(clock, SimulatedClock):
        with app.uow() as uow:
            clock.now(uow.conn)  # make sure the stored instant exists before readers look at it
    app.snapshots.recover()  # a snapshot import that crashed after its commit gets its blob folder now
    return app
