"""Blob use cases. Reads work during retention; writes follow the subscription's and account's state."""

from __future__ import annotations

import hashlib
import re

from ..adapters.blobstore import BlobStore
from ..adapters.db.blobs_repo import BlobInfo
from ..domain.access import Action, Principal
from ..domain.errors import Conflict, InvalidInput
from ..domain.lifecycle import ensure_writable
from ..domain.offers import OfferCatalogue
from ..domain.resources import Resource, ResourceType
from .access import require
from .file_removal import remove_after_commit, write_bytes
from .hooks import MeteringHooks
from .resources import ResourceService
from .unit_of_work import UnitOfWork, UowFactory
from .use_case import Case, use_case

_CONTAINER = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")


class BlobService:
    def __init__(self, uow: UowFactory, offers: OfferCatalogue, resources: ResourceService, metering: MeteringHooks,
                 blobstore: BlobStore) -> None:
        self.uow = uow
        self.offers = offers
        self.resources = resources
        self.metering = metering
        self.blobstore = blobstore

    def _account(self, uow: UnitOfWork, actor: Principal, ref: str, action: Action, case: Case | None = None) -> Resource:
        """The storage account ``ref`` names, once ``actor`` may do ``action`` on it; a write's ``case`` is filed
        under its subscription."""
        account = self.resources.resolve(uow, actor, ref, ResourceType.STORAGE_ACCOUNT)
        # A write locks the subscription first and re-reads the account, so a cancel that commits
        # meanwhile is seen: from that commit on, no blob write gets through.
        sub = uow.subscriptions.get(account.subscription_id, for_update=action is Action.WRITE)
        if action is Action.WRITE:
            account = uow.resources.get(account.resource_id)
        if case is not None:
            case.about(sub.subscription_id)
        require(uow, self.offers, actor, sub, action, account.resource_id)
        if action is Action.WRITE:
            ensure_writable(sub)
            if account.read_only:
                raise Conflict("StorageAccountReadOnly", f"Storage account '{account.name}' is read-only.")
        return account

    def list_containers(self, *, actor: Principal, account: str) -> list[str]:
        with self.uow(read_only=True) as uow:
            return uow.blobs.list_containers(self._account(uow, actor, account, Action.READ).resource_id)

    def list_blobs(self, *, actor: Principal, account: str, container: str) -> list[BlobInfo]:
        with self.uow(read_only=True) as uow:
            acct = self._account(uow, actor, account, Action.READ)
            uow.blobs.require_container(acct.resource_id, container)
            return uow.blobs.list_blobs(acct.resource_id, container)

    def get(self, *, actor: Principal, account: str, container: str, name: str) -> tuple[BlobInfo, bytes]:
        with self.uow(read_only=True) as uow:
            acct = self._account(uow, actor, account, Action.READ)
            info = uow.blobs.get_blob(acct.resource_id, container, name)
            return info, self.blobstore.read(uow.conn, info.storage_path)

    def create_container(self, *, actor: Principal, account: str, name: str, correlation_id: str | None = None) -> None:
        with use_case(self.uow, "createContainer", actor=actor, target=name, correlation_id=correlation_id) as case:
            uow = case.uow
            if not _CONTAINER.match(name):
                raise InvalidInput("InvalidContainerName",
                                   f"{name!r} is not a valid container name: 3-63 lowercase letters, digits and single hyphens.")
            acct = self._account(uow, actor, account, Action.WRITE, case)
            uow.blobs.add_container(account_id=acct.resource_id, name=name, subscription_id=acct.subscription_id, now=uow.now)
            case.succeeded(target=f"{acct.resource_id}/blobServices/default/containers/{name}")

    def put(self, *, actor: Principal, account: str, container: str, name: str, data: bytes,
            content_type: str = "application/octet-stream", correlation_id: str | None = None) -> BlobInfo:
        with use_case(self.uow, "putBlob", actor=actor, target=name, correlation_id=correlation_id) as case:
            uow = case.uow
            acct = self._account(uow, actor, account, Action.WRITE, case)
            uow.blobs.require_container(acct.resource_id, container)
            path = write_bytes(self.blobstore, uow, acct.subscription_id, data)
            info = BlobInfo(acct.resource_id, container, name, len(data), content_type,
                            hashlib.md5(data).hexdigest(), path, uow.now, uow.now)  # noqa: S324 - an etag, not security
            replaced = uow.blobs.upsert_blob(info, subscription_id=acct.subscription_id)
            self.metering.sync(uow, acct.subscription_id)  # storage capacity follows the bytes stored
            if replaced:
                remove_after_commit(self.blobstore, uow, [replaced])
            case.succeeded(target=f"{acct.name}/{container}/{name}", details={"size": len(data)})
            return info

    def delete(self, *, actor: Principal, account: str, container: str, name: str, correlation_id: str | None = None) -> None:
        with use_case(self.uow, "deleteBlob", actor=actor, target=name, correlation_id=correlation_id) as case:
            uow = case.uow
            acct = self._account(uow, actor, account, Action.WRITE, case)
            info = uow.blobs.get_blob(acct.resource_id, container, name)
            uow.blobs.delete_blob(acct.resource_id, container, name)
            self.metering.sync(uow, acct.subscription_id)
            remove_after_commit(self.blobstore, uow, [info.storage_path])
            case.succeeded(target=f"{acct.name}/{container}/{name}")
