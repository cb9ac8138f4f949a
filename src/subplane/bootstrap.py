"""Composition root: builds the engine, clock, blob store and services. Nothing runs at import time."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources as package_files
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from . import logs
from .adapters.blobstore import BlobStore, FileBlobStore
from .adapters.db import migrate
from .adapters.db.engine import WriteGate, make_engine, write_gate_for
from .clock import Clock, SimulatedClock, SystemClock
from .domain.errors import InvalidInput
from .domain.offers import OfferCatalogue
from .services.access_cache import StandingCache
from .services.unit_of_work import UnitOfWork
from .settings import Settings

if TYPE_CHECKING:  # the services are imported where they are built: a command imports only what it runs
    from .adapters.tokens import TokenKeys
    from .domain.authority import Authority
    from .domain.prices import PriceList
    from .jobs.runner import Runner
    from .services.activity_log import ActivityLogService
    from .services.admin import ClockService
    from .services.aliases import AliasService
    from .services.billing import BillingService
    from .services.billing_accounts import BillingAccountService
    from .services.blobs import BlobService
    from .services.budgets import BudgetService
    from .services.cost_query import CostQueryService
    from .services.directory import DirectoryService
    from .services.faults import FaultService
    from .services.forgetting import Forgetting, FreedPages
    from .services.identity import IdentityService
    from .services.installation_secrets import InstallationSecrets
    from .services.invoice_parties import CustomerDetailsService
    from .services.invoicing import Invoicing
    from .services.lockout import LockoutService
    from .services.management import ManagementService
    from .services.management_groups import ManagementGroupService
    from .services.metering import Metering
    from .services.notifications import NotificationService
    from .services.operator_access import OperatorAccess
    from .services.outbox_dispatch import OutboxDispatcher
    from .services.request_log import RequestLog
    from .services.resources import ResourceService
    from .services.signing_keys import SigningKeyService
    from .services.snapshots import SnapshotService
    from .services.subscriptions import SubscriptionService
    from .services.transitions import Transitions
    from .services.webhooks import WebhookService


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
                          read_only=read_only, access_cache=self.access_cache, write_gate=self.write_gate)

    @cached_property
    def write_gate(self) -> WriteGate | None:
        """This process's writers in line for the database's write lock (SQLite only)."""
        return write_gate_for(self.engine)

    @cached_property
    def access_cache(self) -> StandingCache:
        """What principals may do at subscriptions, while the database's access token holds (issue 14)."""
        return StandingCache()

    # Each service gets exactly the collaborators it uses. Built on first use (a CLI command builds only what it
    # runs). Two calls close a cycle and are bound late, at call time: metering asks invoicing for the due invoices
    # (a renewing credit waits for the ending period's), and the signing keys tell the token signer of a rotation.

    # identity and the directory ----------------------------------------------------------------
    @cached_property
    def lockout(self) -> LockoutService:
        from .services.lockout import LockoutService

        return LockoutService(self.uow, self.settings)

    @cached_property
    def identity(self) -> IdentityService:
        from .adapters.passwords import VerifiedSecrets
        from .services.identity import IdentityService

        return IdentityService(self.uow, self.lockout, VerifiedSecrets())

    @cached_property
    def directory(self) -> DirectoryService:
        from .services.directory import DirectoryService

        return DirectoryService(self.uow, self.offers, self.lockout)

    @cached_property
    def authority(self) -> Authority:
        from .domain.authority import Authority

        return Authority(self.settings.public_base_urls)

    @cached_property
    def installation(self) -> InstallationSecrets:
        from .services.installation_secrets import InstallationSecrets

        return InstallationSecrets(self.uow, self.settings.data_dir)

    @cached_property
    def signing_keys(self) -> SigningKeyService:
        from .services.signing_keys import SigningKeyService

        return SigningKeyService(self.uow, self.settings.data_dir, on_rotated=self._sign_with_rotated_key)

    def _sign_with_rotated_key(self, now: float) -> None:
        self.token_keys.refresh(now)

    @cached_property
    def token_keys(self) -> TokenKeys:
        from .adapters.tokens import TokenKeys

        return TokenKeys(self.signing_keys.usable, self.authority)

    @cached_property
    def operator(self) -> OperatorAccess:
        from .services.operator_access import OperatorAccess

        return OperatorAccess(self.uow, self.settings, self.installation)

    # billing -------------------------------------------------------------------------------------
    @cached_property
    def prices(self) -> PriceList:
        from .services.billing import load_price_list

        return load_price_list(self.settings)

    @cached_property
    def metering(self) -> Metering:
        from .services.metering import Metering

        return Metering(self.offers, self.prices, issue_due=lambda uow: self.invoicing.issue_due(uow))

    @cached_property
    def invoicing(self) -> Invoicing:
        from .services.invoicing import Invoicing

        return Invoicing(self.offers, self.settings, self.prices, self.metering, self.transitions, self.forgetting)

    @cached_property
    def billing(self) -> BillingService:
        from .services.billing import BillingService

        return BillingService(self.uow, self.offers, self.settings, self.prices, self.metering, self.invoicing,
                              self.transitions)

    @cached_property
    def cost_query(self) -> CostQueryService:
        from .services.cost_query import CostQueryService

        return CostQueryService(self.uow, self.billing)

    @cached_property
    def budgets(self) -> BudgetService:
        from .services.budgets import BudgetService

        return BudgetService(self.uow, self.billing, self.offers)

    @cached_property
    def customer_details(self) -> CustomerDetailsService:
        from .services.invoice_parties import CustomerDetailsService

        return CustomerDetailsService(self.uow)

    @cached_property
    def billing_accounts(self) -> BillingAccountService:
        from .services.billing_accounts import BillingAccountService

        return BillingAccountService(self.uow, self.billing, self.installation)

    # the lifecycle ---------------------------------------------------------------------------------
    @cached_property
    def freed_pages(self) -> FreedPages:
        from .services.forgetting import FreedPages

        return FreedPages(self.engine)

    @cached_property
    def forgetting(self) -> Forgetting:
        from .services.forgetting import Forgetting

        return Forgetting(self.settings.zone, self.metering, self.freed_pages.reclaim)

    @cached_property
    def transitions(self) -> Transitions:
        from .services.transitions import Transitions

        return Transitions(self.metering, self.blobstore, self.forgetting)

    @cached_property
    def subscriptions(self) -> SubscriptionService:
        from .services.subscriptions import SubscriptionService

        return SubscriptionService(self.uow, self.offers, self.billing, self.metering, self.transitions)

    @cached_property
    def aliases(self) -> AliasService:
        from .services.aliases import AliasService

        return AliasService(self.uow, self.subscriptions)

    @cached_property
    def management_groups(self) -> ManagementGroupService:
        from .services.management_groups import ManagementGroupService

        return ManagementGroupService(self.uow, self.offers)

    @cached_property
    def activity_log(self) -> ActivityLogService:
        from .services.activity_log import ActivityLogService

        return ActivityLogService(self.uow, self.offers)

    # resources -------------------------------------------------------------------------------------
    @cached_property
    def resources(self) -> ResourceService:
        from .services.resources import ResourceService

        return ResourceService(self.uow, self.offers, self.metering, self.blobstore)

    @cached_property
    def blobs(self) -> BlobService:
        from .services.blobs import BlobService

        return BlobService(self.uow, self.offers, self.resources, self.metering, self.blobstore)

    @cached_property
    def management(self) -> ManagementService:
        from .services.management import ManagementService

        return ManagementService(self.uow, self.offers, self.resources, self.metering, self.blobstore,
                                 self.installation, self.aliases)

    # operability -----------------------------------------------------------------------------------
    @cached_property
    def jobs(self) -> Runner:
        from .jobs.runner import Runner, batch_handlers, handlers

        return Runner(self.uow, self.instance, self.freed_pages,
                      handlers(self.subscriptions, self.billing, self.budgets, self.blobstore),
                      batch_handlers(self.subscriptions, self.blobstore), batch_size=self.settings.job_batch_size)

    @cached_property
    def clock_control(self) -> ClockService:
        from .services.admin import ClockService

        return ClockService(self.uow, self.clock, self.instance, self.jobs)

    @cached_property
    def notifications(self) -> NotificationService:
        from .services.notifications import NotificationService

        return NotificationService(self.uow, self.settings, self.instance)

    @cached_property
    def webhooks(self) -> WebhookService:
        from .services.webhooks import WebhookService

        return WebhookService(self.uow, self.settings, self.instance)

    @cached_property
    def outbox_dispatcher(self) -> OutboxDispatcher:
        from .services.outbox_dispatch import OutboxDispatcher

        return OutboxDispatcher(self.notifications, self.webhooks)

    @cached_property
    def request_log(self) -> RequestLog:
        from .services.request_log import RequestLog

        return RequestLog(self.uow, size=self.settings.request_log_size, instance=self.instance)

    @cached_property
    def snapshots(self) -> SnapshotService:
        from .services.snapshots import SnapshotService

        return SnapshotService(self.uow, self.settings, self.engine, self.blobstore, self.clock, self.clock_control,
                               self.request_log, reseed=self._seed_demo)

    def _seed_demo(self) -> dict:
        from . import demo  # argon2 and the demo's data only when a reset reseeds

        return demo.seed(self)

    @cached_property
    def faults(self) -> FaultService:
        from .services.faults import FaultService

        return FaultService(self.uow, self.settings)

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

        if not settings.s3_bucket:  # Settings.from_env checks this; a Settings built in code may not have
            raise InvalidInput("InvalidSetting", "SUBPLANE_BLOB_STORE=s3 needs SUBPLANE_S3_BUCKET.")
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
    from .services.snapshot_recovery import recovery_pending

    if recovery_pending(app.uow, blobstore):  # checked first: building the snapshot service builds every service
        app.snapshots.recover()  # a snapshot import that crashed after its commit gets its blob folder now
    return app
