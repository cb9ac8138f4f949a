"""Blob scenario with azure-storage-blob and a bearer token: writes follow the subscription's lifecycle."""

from __future__ import annotations

import subprocess
import sys

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.subscription import SubscriptionClient as LifecycleClient
from azure.storage.blob import BlobServiceClient

from tests.e2e.conftest import Live
from tests.server import ServerProcess

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module", params=["file", "database", "s3"])
def live(request, tmp_path_factory):
    """`serve --demo` with each blob store (S3: a bucket on the loopback moto server, keys in AWS_* variables)."""
    store = request.param
    env = {"SUBPLANE_ARM_PAGE_SIZE": "2", "SUBPLANE_BLOB_STORE": store}
    if store == "s3":
        import uuid

        import boto3

        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = f"e2e-{uuid.uuid4().hex[:12]}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
        env.update(SUBPLANE_S3_ENDPOINT=endpoint, SUBPLANE_S3_BUCKET=bucket, SUBPLANE_S3_REGION="us-east-1")
    server = ServerProcess(tmp_path_factory.mktemp(f"serve-{store}"), env=env)
    try:
        yield Live(server)
    finally:
        server.stop()


def test_a_deleted_container_takes_its_blobs_with_it(live):
    service = BlobServiceClient(f"{live.url}/blob/contosodata", credential=live.credential(), connection_verify=live.ca)
    scratch = service.create_container("scratch")
    scratch.upload_blob("a.txt", b"first")
    scratch.upload_blob("nested/b.txt", b"second")
    scratch.delete_container()
    assert [c.name for c in service.list_containers()] == ["backups"]
    with pytest.raises(ResourceNotFoundError):
        scratch.download_blob("a.txt").readall()
    with pytest.raises(ResourceNotFoundError) as gone:
        scratch.delete_container()
    assert gone.value.error_code == "ContainerNotFound"
    service.create_container("scratch")  # the name is free again, and the new container is empty
    assert list(service.get_container_client("scratch").list_blobs()) == []
    service.get_container_client("scratch").delete_container()


def test_blob_reads_survive_cancel_writes_do_not_and_purge_removes_everything(live):
    service = BlobServiceClient(f"{live.url}/blob/contosodata", credential=live.credential(), connection_verify=live.ca)
    container = service.get_container_client("backups")
    assert [c.name for c in service.list_containers()] == ["backups"]
    container.upload_blob("before.txt", b"written before cancel", overwrite=True)
    assert "before.txt" in [b.name for b in container.list_blobs()]
    on_disk = (live.server.data_dir / "blobs").exists()
    assert on_disk == (live.server.env["SUBPLANE_BLOB_STORE"] == "file")  # the bytes are where the setting says

    sub = live.subscription_id("Productie")
    lifecycle = live.client(LifecycleClient)
    lifecycle.subscription.cancel(sub, params={"IgnoreResourceCheck": "true"})
    assert container.download_blob("before.txt").readall() == b"written before cancel"
    assert "leesmij.txt" in [b.name for b in container.list_blobs()]
    with pytest.raises(HttpResponseError) as refused:
        container.upload_blob("after.txt", b"nope")
    assert refused.value.status_code == 409 and refused.value.error_code == "ReadOnlyDisabledSubscription"
    with pytest.raises(HttpResponseError) as refused_delete:
        container.delete_blob("before.txt")
    assert refused_delete.value.error_code == "ReadOnlyDisabledSubscription"

    lifecycle.subscription.enable(sub)
    container.upload_blob("after.txt", b"written after enable")
    assert container.download_blob("after.txt").readall() == b"written after enable"

    lifecycle.subscription.cancel(sub, params={"IgnoreResourceCheck": "true"})
    advanced = subprocess.run([sys.executable, "-m", "subplane.cli.main", "clock", "advance", "91d"],
                              env=live.server.env, capture_output=True, text=True, timeout=120)
    assert advanced.returncode == 0, advanced.stderr
    with pytest.raises(ResourceNotFoundError):
        container.download_blob("before.txt").readall()
    with pytest.raises(ResourceNotFoundError):
        list(service.list_containers())


def test_blob_needs_a_storage_token(live):
    token = live.credential().get_token("https://management.azure.com/.default").token
    import ssl
    import urllib.request

    request = urllib.request.Request(f"{live.url}/blob/contosodata?comp=list", headers={"Authorization": f"Bearer {token}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, context=ssl.create_default_context(cafile=live.ca))
    assert refused.value.code == 401 and refused.value.headers["x-ms-error-code"] == "InvalidAuthenticationInfo"
