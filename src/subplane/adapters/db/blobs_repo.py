"""Blob containers and blob metadata; the bytes live in ``adapters.blobstore``."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from ...domain.errors import Conflict, NotFound
from .tables import blob_containers, blobs

# Every blob put runs these: built once, with bind parameters, not rebuilt per request (issue 14).
_ONE_BLOB = (blobs.c.account_key == bindparam("blob_account"), blobs.c.container == bindparam("container_name"),
             blobs.c.name == bindparam("blob_name"))
_FIND_BLOB = select(blobs).where(*_ONE_BLOB)
_UPDATE_BLOB = update(blobs).where(*_ONE_BLOB).values(
    {column: bindparam(f"new_{column}") for column in ("size", "content_type", "etag", "storage_path", "updated_at")})
_DELETE_BLOB = delete(blobs).where(*_ONE_BLOB)
_CONTAINERS = select(blob_containers.c.name).where(
    blob_containers.c.account_key == bindparam("account_key")).order_by(blob_containers.c.name)


def _one_blob(account_id: str, container: str, name: str) -> dict[str, str]:
    return {"blob_account": account_id.lower(), "container_name": container, "blob_name": name}


@dataclass(frozen=True)
class BlobInfo:
    account_id: str
    container: str
    name: str
    size: int
    content_type: str
    etag: str
    storage_path: str
    created_at: datetime
    updated_at: datetime


def _info(account_id: str, row) -> BlobInfo:
    return BlobInfo(account_id, row.container, row.name, row.size, row.content_type, row.etag, row.storage_path,
                    row.created_at, row.updated_at)


class BlobRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_container(self, *, account_id: str, name: str, subscription_id: str, now: datetime) -> None:
        if name in self.list_containers(account_id):
            raise Conflict("ContainerAlreadyExists", f"The container '{name}' already exists.")
        self.conn.execute(
            insert(blob_containers).values(account_key=account_id.lower(), name=name,
                                           subscription_id=subscription_id, created_at=now)
        )

    def list_containers(self, account_id: str) -> list[str]:
        return list(self.conn.execute(_CONTAINERS, {"account_key": account_id.lower()}).scalars())

    def require_container(self, account_id: str, name: str) -> None:
        if name not in self.list_containers(account_id):
            raise NotFound("ContainerNotFound", f"The container '{name}' does not exist.", container=name)

    def list_blobs(self, account_id: str, container: str) -> list[BlobInfo]:
        rows = self.conn.execute(
            select(blobs)
            .where(blobs.c.account_key == account_id.lower(), blobs.c.container == container)
            .order_by(blobs.c.name)
        ).all()
        return [_info(account_id, r) for r in rows]

    def find_blob(self, account_id: str, container: str, name: str) -> BlobInfo | None:
        row = self.conn.execute(_FIND_BLOB, _one_blob(account_id, container, name)).first()
        return _info(account_id, row) if row else None

    def get_blob(self, account_id: str, container: str, name: str) -> BlobInfo:
        found = self.find_blob(account_id, container, name)
        if found is None:
            raise NotFound("BlobNotFound", f"The blob '{container}/{name}' does not exist.", blob=name)
        return found

    def upsert_blob(self, info: BlobInfo, *, subscription_id: str) -> str | None:
        """Store the metadata; returns the storage path of the bytes it replaced, if any."""
        existing = self.find_blob(info.account_id, info.container, info.name)
        values = dict(size=info.size, content_type=info.content_type, etag=info.etag,
                      storage_path=info.storage_path, updated_at=info.updated_at)
        if existing:
            self.conn.execute(_UPDATE_BLOB, {**_one_blob(info.account_id, info.container, info.name),
                                             **{f"new_{column}": value for column, value in values.items()}})
            return existing.storage_path
        self.conn.execute(insert(blobs), dict(account_key=info.account_id.lower(), container=info.container, name=info.name,
                                              subscription_id=subscription_id, created_at=info.created_at, **values))
        return None

    def delete_blob(self, account_id: str, container: str, name: str) -> None:
        self.conn.execute(_DELETE_BLOB, _one_blob(account_id, container, name))

    def delete_container(self, account_id: str, name: str) -> list[str]:
        """The container and every blob in it; returns the storage paths of the bytes they named."""
        self.require_container(account_id, name)
        key = account_id.lower()
        in_container = (blobs.c.account_key == key, blobs.c.container == name)
        paths = list(self.conn.execute(select(blobs.c.storage_path).where(*in_container)).scalars())
        self.conn.execute(delete(blobs).where(*in_container))
        self.conn.execute(delete(blob_containers).where(blob_containers.c.account_key == key,
                                                        blob_containers.c.name == name))
        return paths

    def delete_account(self, account_id: str) -> None:
        self.conn.execute(delete(blobs).where(blobs.c.account_key == account_id.lower()))
        self.conn.execute(delete(blob_containers).where(blob_containers.c.account_key == account_id.lower()))

    def purge(self, subscription_ids: builtins.list[str]) -> int:
        """Every blob and container of these subscriptions: one DELETE per table."""
        ids = list(subscription_ids)
        removed = self.conn.execute(delete(blobs).where(blobs.c.subscription_id.in_(ids))).rowcount
        self.conn.execute(delete(blob_containers).where(blob_containers.c.subscription_id.in_(ids)))
        return removed
