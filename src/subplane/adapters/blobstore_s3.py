"""Blob bytes in an S3-compatible object store (boto3; install ``subplane[s3]``).

Objects live at ``<prefix>blobs/<key>``. Like files, objects are written before the metadata
commits and removed after it (``services/file_removal.py`` keeps a due job as the crash-safe rest);
a unit of work that rolls back removes the object it wrote (``UnitOfWork.after_rollback``), so only a
process that dies inside the transaction can leave an orphan object behind.

S3 has no rename, so a snapshot import stages its objects under ``<prefix>import-<token>/blobs/``,
marks the staging complete with ``<prefix>import-<token>/ready``, and after the import's commit
``swap_in`` copies them into place, removes the objects the snapshot does not have, drops the marker
and last the staged objects. While the marker exists the copy and removal are repeated (both are
idempotent); once it is gone only staged objects are left to remove.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .blobstore import CHUNK, Received, StagedBlobs, new_key

_DELETE_BATCH = 1000  # what one DeleteObjects request takes at most
READY = "ready"


class S3BlobStore:
    transactional = False

    def __init__(self, client, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.live = f"{prefix}blobs/"

    def check(self) -> None:
        """Fail at start-up, with the reason, when the bucket cannot be reached."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as error:
            from ..domain.errors import InvalidInput

            raise InvalidInput("InvalidSetting", f"the S3 blob store cannot use bucket {self.bucket!r}: {error}") from None

    def write(self, conn, subscription_id: str, data: bytes) -> str:
        key = new_key(subscription_id)
        self.client.put_object(Bucket=self.bucket, Key=self.live + key, Body=data)
        return key

    def receive(self, data: bytes) -> Received:
        return Received(len(data), data=data)  # written in the transaction, by ``keep``

    def keep(self, conn, received: Received, subscription_id: str) -> str:
        return self.write(conn, subscription_id, received.bytes_held())

    def drop(self, received: Received) -> None:
        """Nothing was written before ``keep``."""

    def read(self, conn, key: str) -> bytes:
        return self._body(self.live + key).read()

    def pieces(self, conn, key: str) -> Iterator[bytes]:
        yield from self._body(self.live + key).iter_chunks(CHUNK)

    def span(self, conn, key: str, first: int, length: int) -> Iterator[bytes]:
        if length <= 0:
            return iter(())
        return self._body(self.live + key, f"bytes={first}-{first + length - 1}").iter_chunks(CHUNK)

    def remove(self, conn, keys: Iterable[str]) -> None:
        self._delete([self.live + key for key in keys])

    def remove_subscription(self, conn, subscription_id: str) -> None:
        self._delete(list(self._names_under(f"{self.live}{subscription_id}/")))

    def keys(self, conn) -> Iterator[str]:
        return (name[len(self.live):] for name in self._names_under(self.live))

    # the whole store at once (snapshot import and reset) ----------------------------------------
    def staging(self, token: str) -> str:
        return f"{self.prefix}import-{token}/"

    def stage(self, conn, token: str, blobs: StagedBlobs) -> None:
        staged = self.staging(token)
        for key, pieces in blobs:
            self.client.put_object(Bucket=self.bucket, Key=f"{staged}blobs/{key}", Body=b"".join(pieces))
        self.client.put_object(Bucket=self.bucket, Key=staged + READY, Body=b"")

    def swap_in(self, token: str) -> None:
        staged = self.staging(token)
        if self._exists(staged + READY):
            wanted = {name[len(staged) + len("blobs/"):] for name in self._names_under(f"{staged}blobs/")}
            for key in sorted(wanted):
                self.client.copy({"Bucket": self.bucket, "Key": f"{staged}blobs/{key}"}, self.bucket, self.live + key)
            self.remove(None, [key for key in self.keys(None) if key not in wanted])
            self.client.delete_object(Bucket=self.bucket, Key=staged + READY)
        self.discard(staged)

    def discard_staged(self, token: str) -> None:
        self.discard(self.staging(token))

    def leftovers(self) -> list[str]:
        """Staging prefixes of imports that did not finish."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}import-", Delimiter="/")
        return sorted(common["Prefix"] for page in pages for common in page.get("CommonPrefixes", []))

    def discard(self, leftover: str) -> None:
        self._delete(list(self._names_under(leftover)))

    def clear(self) -> None:
        self.discard(self.live)

    # S3 calls ------------------------------------------------------------------------------------
    def _body(self, name: str, byte_range: str | None = None):
        try:
            if byte_range is None:
                return self.client.get_object(Bucket=self.bucket, Key=name)["Body"]
            return self.client.get_object(Bucket=self.bucket, Key=name, Range=byte_range)["Body"]
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(f"no object {name} in bucket {self.bucket}") from None

    def _exists(self, name: str) -> bool:
        return any(self._names_under(name))

    def _names_under(self, prefix: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"]

    def _delete(self, names: list[str]) -> None:
        for start in range(0, len(names), _DELETE_BATCH):
            batch = [{"Key": name} for name in names[start:start + _DELETE_BATCH]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})


def client(endpoint_url: str | None, region: str | None):
    """A boto3 S3 client; credentials come from the standard AWS variables, files or roles."""
    try:
        import boto3
    except ImportError:
        from ..domain.errors import InvalidInput

        raise InvalidInput("InvalidSetting", "SUBPLANE_BLOB_STORE=s3 needs boto3: pip install 'subplane[s3]'.") from None
    return boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None)
