"""Blob use cases. Reads work during retention; writes follow the subscription's and account's state."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from ..adapters.blobstore import BlobStore
from ..adapters.db.blobs_repo import BlobInfo
from ..domain.access import Action, Principal, is_allowed
from ..domain.errors import Conflict, InvalidInput
from ..domain.lifecycle import State, Subscription, ensure_writable
from ..domain.offers import OfferCatalogue
from ..domain.resources import Resource, ResourceType
from .access import access_context, require
from .file_removal import keep_bytes, remove_after_commit
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
        under its subscription as soon as that is known."""
        allowed = self._allowed_by_name(uow, actor, ref, action)
        if allowed is not None:
            account, sub = allowed
            if case is not None:
                case.about(sub.subscription_id)
        else:  # the general path: refuses as it always has (not found when the actor cannot see the account)
            account = self.resources.resolve(uow, actor, ref, ResourceType.STORAGE_ACCOUNT)
            sub, account = self._locked(uow, account, action)
            if case is not None:
                case.about(sub.subscription_id)
            require(uow, self.offers, actor, sub, action, account.resource_id)
        if action is Action.WRITE:
            ensure_writable(sub)
            if account.read_only:
                raise Conflict("StorageAccountReadOnly", f"Storage account '{account.name}' is read-only.")
        return account

    @staticmethod
    def _locked(uow: UnitOfWork, account: Resource, action: Action) -> tuple[Subscription, Resource]:
        # A write locks the subscription first and re-reads the account, so a cancel that commits
        # meanwhile is seen: from that commit on, no blob write gets through.
        sub = uow.subscriptions.get(account.subscription_id, for_update=action is Action.WRITE)
        return sub, uow.resources.get(account.resource_id) if action is Action.WRITE else account

    def _allowed_by_name(self, uow: UnitOfWork, actor: Principal, ref: str,
                         action: Action) -> tuple[Resource, Subscription] | None:
        """The common case in one load of the actor's standing: the URL names the only storage account of
        that name, and the actor may do ``action`` on it (so it also sees its subscription, which
        ``ResourceService.resolve`` would otherwise establish by listing every subscription the actor sees).
        None when that is not so; the general path then answers, refusals included."""
        if ref.startswith("/"):
            return None
        named = uow.resources.find_by_name(ref, ResourceType.STORAGE_ACCOUNT)
        if len(named) != 1:
            return None
        sub, account = self._locked(uow, named[0], action)
        if sub.state is State.DELETED or not is_allowed(access_context(uow, self.offers, actor, sub, account.resource_id),
                                                        action):
            return None
        return account, sub

    def list_containers(self, *, actor: Principal, account: str) -> list[str]:
        with self.uow(read_only=True) as uow:
            return uow.blobs.list_containers(self._account(uow, actor, account, Action.READ).resource_id)

    def list_blobs(self, *, actor: Principal, account: str, container: str) -> list[BlobInfo]:
        with self.uow(read_only=True) as uow:
            acct = self._account(uow, actor, account, Action.READ)
            uow.blobs.require_container(acct.resource_id, container)
            return uow.blobs.list_blobs(acct.resource_id, container)

    def get(self, *, actor: Principal, account: str, container: str, name: str) -> tuple[BlobInfo, bytes]:
        info, pieces = self.read(actor=actor, account=account, container=container, name=name)
        return info, b"".join(pieces)

    def read(self, *, actor: Principal, account: str, container: str, name: str, first: int = 0,
             length: int | None = None) -> tuple[BlobInfo, Iterator[bytes]]:
        """The blob and its bytes from ``first`` on (``length`` of them, or to the end), clipped to its size,
        as pieces: a 64 MiB download is never in memory at once, and a range reads only the range."""
        with self.uow(read_only=True) as uow:
            acct = self._account(uow, actor, account, Action.READ)
            info = uow.blobs.get_blob(acct.resource_id, container, name)
            first = min(max(first, 0), info.size)
            count = info.size - first if length is None else max(0, min(length, info.size - first))
            return info, self.blobstore.span(uow.conn, info.storage_path, first, count)

    def create_container(self, *, actor: Principal, account: str, name: str, correlation_id: str | None = None) -> None:
        with use_case(self.uow, "createContainer", actor=actor, target=name, correlation_id=correlation_id) as case:
            if not _CONTAINER.match(name):
                raise InvalidInput("InvalidContainerName",
                                   f"{name!r} is not a valid container name: 3-63 lowercase letters, digits and single hyphens.")
            uow = case.uow
            acct = self._account(uow, actor, account, Action.WRITE, case)
            uow.blobs.add_container(account_id=acct.resource_id, name=name, subscription_id=acct.subscription_id, now=uow.now)
            case.succeeded(target=f"{acct.resource_id}/blobServices/default/containers/{name}")

    def delete_container(self, *, actor: Principal, account: str, name: str, correlation_id: str | None = None) -> None:
        """The container and every blob in it (Azure's Delete Container); their bytes go after the commit."""
        with use_case(self.uow, "deleteContainer", actor=actor, target=name, correlation_id=correlation_id) as case:
            uow = case.uow
            acct = self._account(uow, actor, account, Action.WRITE, case)
            paths = uow.blobs.delete_container(acct.resource_id, name)
            self.metering.sync_stored_bytes(uow, acct)
            remove_after_commit(self.blobstore, uow, paths)
            case.succeeded(target=f"{acct.resource_id}/blobServices/default/containers/{name}",
                           details={"blobs": len(paths)})

    def put(self, *, actor: Principal, account: str, container: str, name: str, data: bytes,
            content_type: str = "application/octet-stream", correlation_id: str | None = None) -> BlobInfo:
        etag = hashlib.md5(data).hexdigest()  # noqa: S324 - an etag, not security
        # The bytes reach the store before the write transaction takes its lock (a file store syncs them
        # then), and are kept (renamed into place) inside it; bytes never kept are dropped.
        received = self.blobstore.receive(data)
        try:
            with use_case(self.uow, "putBlob", actor=actor, target=name, correlation_id=correlation_id) as case:
                uow = case.uow
                acct = self._account(uow, actor, account, Action.WRITE, case)
                uow.blobs.require_container(acct.resource_id, container)
                path = keep_bytes(self.blobstore, uow, received, acct.subscription_id)
                info = BlobInfo(acct.resource_id, container, name, received.size, content_type, etag, path, uow.now, uow.now)
                replaced = uow.blobs.upsert_blob(info, subscription_id=acct.subscription_id)
                self.metering.sync_stored_bytes(uow, acct)  # storage capacity follows the bytes stored
                if replaced:
                    remove_after_commit(self.blobstore, uow, [replaced])
                case.succeeded(target=f"{acct.name}/{container}/{name}", details={"size": received.size})
                return info
        except BaseException:
            self.blobstore.drop(received)  # refused or failed: bytes received but never kept (if kept, a no-op)
            raise

    def delete(self, *, actor: Principal, account: str, container: str, name: str, correlation_id: str | None = None) -> None:
        with use_case(self.uow, "deleteBlob", actor=actor, target=name, correlation_id=correlation_id) as case:
            uow = case.uow
            acct = self._account(uow, actor, account, Action.WRITE, case)
            info = uow.blobs.get_blob(acct.resource_id, container, name)
            uow.blobs.delete_blob(acct.resource_id, container, name)
            self.metering.sync_stored_bytes(uow, acct)
            remove_after_commit(self.blobstore, uow, [info.storage_path])
            case.succeeded(target=f"{acct.name}/{container}/{name}")
