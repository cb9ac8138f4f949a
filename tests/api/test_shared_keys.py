"""Keys and TLS material every process on one database shares, whatever its data directory (issue 11)."""

from __future__ import annotations

import json
import ssl
import threading
import time

import jwt
import pytest
from typer.testing import CliRunner

from subplane import demo
from subplane.adapters.db.ops_repo import SigningKeyRepo
from subplane.adapters.tls import ensure_certificates, new_ca
from subplane.adapters.tokens import REFRESH_SECONDS, TOKEN_LIFETIME_SECONDS, TokenRejected, key_id, new_private_key_pem
from subplane.cli.main import app as cli_app
from subplane.domain.access import OPERATOR
from subplane.domain.resources import ResourceType
from tests.conftest import BACKENDS

from .served import Served

ARM = "https://management.azure.com/"
TENANT = "00000000-0000-0000-0000-00000000000a"


def _issue(app, **claims) -> str:
    return app.token_keys.issue(issuer=app.authority.issuer(TENANT), audience=ARM, tenant_id=TENANT,
                                object_id="o", name="n", is_app=True, client_id="c", **claims)


def _verifies(app, token: str) -> bool:
    return app.token_keys.verify(token, audiences=(ARM,)).object_id == "o"


def _kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def _jwks_kids(app, **kwargs) -> set[str]:
    return {key["kid"] for key in app.token_keys.jwks(**kwargs)["keys"]}


def _at_once(*calls):
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def two(make_app, tmp_path):
    """Two processes' apps on one database, each with a data directory of its own."""
    return make_app(data_dir=tmp_path / "a"), make_app(data_dir=tmp_path / "b")


def test_a_token_issued_by_one_process_verifies_on_another(two):
    a, b = two
    token = _issue(a)
    assert _verifies(b, token)
    assert _kid(token) == b.token_keys.key_id
    assert not (b.settings.data_dir / "keys").exists()  # nothing of it in a data directory


def test_processes_starting_at_once_agree_on_one_key(two):
    a, b = two
    first, second = _at_once(a.signing_keys.usable, b.signing_keys.usable)
    assert [key.kid for key in first] == [key.kid for key in second]
    assert len(first) == 1
    with a.uow(read_only=True) as uow:
        assert len(SigningKeyRepo(uow.conn).keys(with_retired=True)) == 1


def test_rotation_keeps_old_tokens_until_they_expire_then_retires_the_old_key(two, make_app, tmp_path):
    a, b = two
    before = _issue(a)
    assert _verifies(b, before)  # B holds the first key now
    old = _kid(before)
    a.signing_keys.rotate()
    after = _issue(a)
    new = _kid(after)
    assert new != old
    assert _verifies(a, before) and _verifies(b, before)
    assert _verifies(b, after)  # an unknown kid makes B read the keys again
    assert _kid(_issue(b)) == new
    assert _jwks_kids(b) == {old, new}
    statuses = {key["kid"]: key["status"] for key in b.signing_keys.listing()}
    assert statuses == {old: "retiring", new: "active"}

    later = time.time() + TOKEN_LIFETIME_SECONDS + REFRESH_SECONDS + 1
    assert _jwks_kids(b, now=later) == {new}
    assert {key["kid"]: key["status"] for key in a.signing_keys.listing()} == {old: "retired", new: "active"}
    # a process that never verified it: A and B cache a verified token until it expires, in real time before this
    newcomer = make_app(data_dir=tmp_path / "c")
    with pytest.raises(TokenRejected) as refused:
        newcomer.token_keys.verify(before, audiences=(ARM,))
    assert refused.value.code == "InvalidAuthenticationTokenSignature"
    assert _verifies(newcomer, after)


def test_an_existing_data_directory_key_becomes_the_first_key(make_app, tmp_path):
    legacy = new_private_key_pem()
    (tmp_path / "a" / "keys").mkdir(parents=True)
    (tmp_path / "a" / "keys" / "token-signing.pem").write_text(legacy)
    a = make_app(data_dir=tmp_path / "a")
    b = make_app(data_dir=tmp_path / "b")
    from cryptography.hazmat.primitives import serialization

    private = serialization.load_pem_private_key(legacy.encode(), None)
    claims = {"aud": ARM, "iss": a.authority.issuer(TENANT), "tid": TENANT, "oid": "o", "iat": int(time.time()),
              "exp": int(time.time()) + 600}
    signed_before = jwt.encode(claims, private, algorithm="RS256", headers={"kid": key_id(legacy)})
    assert a.token_keys.key_id == key_id(legacy)  # the upgraded process starts first and brings its key
    assert _verifies(b, signed_before) and _verifies(a, signed_before)
    assert b.token_keys.key_id == key_id(legacy)


def test_every_process_has_the_same_ca_and_storage_key_secret(two):
    a, b = two
    ca_a, ca_b = _at_once(a.installation.local_ca, b.installation.local_ca)
    assert ca_a == ca_b
    secret_a, secret_b = _at_once(a.installation.storage_key_secret, b.installation.storage_key_secret)
    assert secret_a == secret_b and len(secret_a) == 32
    files_a = ensure_certificates(a.settings.data_dir, ca_a, ("host-a",))
    files_b = ensure_certificates(b.settings.data_dir, b.installation.local_ca(), ("host-b",))
    assert files_a.ca.read_bytes() == files_b.ca.read_bytes()
    for files in (files_a, files_b):  # each host's own server certificate chains to the one CA
        context = ssl.create_default_context(cafile=str(files_b.ca))
        context.load_cert_chain(str(files.cert), str(files.key))
    assert not (a.settings.data_dir / "tls" / "ca-key.pem").exists()


def test_storage_account_keys_are_the_same_from_every_process(two):
    a, b = two
    demo.seed(a)
    with a.uow(read_only=True) as uow:
        account = uow.resources.find_by_name("contosodata", ResourceType.STORAGE_ACCOUNT)[0].resource_id
    keys_a = a.management.storage_keys(actor=OPERATOR, account_id=account)
    assert keys_a == b.management.storage_keys(actor=OPERATOR, account_id=account)
    assert b.management.storage_keys(actor=OPERATOR, account_id=account, regenerate="key2")[1] != keys_a[1]
    assert a.management.storage_keys(actor=OPERATOR, account_id=account)[1] != keys_a[1]


def test_existing_data_directory_secrets_are_imported(make_app, tmp_path):
    legacy_ca = new_ca()
    (tmp_path / "a" / "tls").mkdir(parents=True)
    (tmp_path / "a" / "tls" / "ca.pem").write_text(legacy_ca.cert_pem)
    (tmp_path / "a" / "tls" / "ca-key.pem").write_text(legacy_ca.key_pem)
    (tmp_path / "a" / "keys").mkdir()
    (tmp_path / "a" / "keys" / "storage-keys.secret").write_bytes(b"s" * 32)
    a = make_app(data_dir=tmp_path / "a")
    b = make_app(data_dir=tmp_path / "b")
    assert a.installation.local_ca() == legacy_ca == b.installation.local_ca()  # the upgraded process asks first
    assert a.installation.storage_key_secret() == b"s" * 32 == b.installation.storage_key_secret()


def test_reset_and_snapshots_leave_the_keys_alone(two, tmp_path):
    a, b = two
    token = _issue(a)
    ca = a.installation.local_ca()
    manifest = a.snapshots.export(tmp_path / "world.zip")
    assert "signing_keys" not in manifest["tables"] and "installation_secrets" not in manifest["tables"]
    a.snapshots.reset()
    a.snapshots.import_(tmp_path / "world.zip")
    assert _verifies(b, token) and b.installation.local_ca() == ca
    with b.uow(read_only=True) as uow:
        assert len(SigningKeyRepo(uow.conn).keys()) == 1


def test_keys_cli_lists_and_rotates(two, database):
    a, _ = two
    first = a.token_keys.key_id
    options = ["--data-dir", str(a.settings.data_dir), "--database-url", database.url, "--output", "json"]
    rotated = CliRunner().invoke(cli_app, ["keys", "rotate", *options])
    assert rotated.exit_code == 0, rotated.output
    assert json.loads(rotated.output)["active"]["kid"] != first
    listed = CliRunner().invoke(cli_app, ["keys", "list", *options])
    assert listed.exit_code == 0, listed.output
    keys = json.loads(listed.output)
    assert [(k["generation"], k["status"]) for k in keys] == [(2, "active"), (1, "retiring")]
    assert keys[1]["kid"] == first and keys[1]["retireAfter"]
    assert "private" not in listed.output.lower()


@pytest.fixture(scope="module", params=BACKENDS)
def served(request, tmp_path_factory):
    live = Served(request.param, tmp_path_factory.mktemp(f"keys-{request.param}"))
    yield live
    live.close()


def test_a_served_process_and_another_share_keys_and_ca(served):
    """The served process and an app with its own data directory: one CA, one JWKS, rotation seen over HTTPS."""
    ca_file = served.server.data_dir / "tls" / "ca.pem"
    assert ca_file.read_text("ascii") == served.app.installation.local_ca().cert_pem
    token = served.token()
    assert served.app.token_keys.verify(token, audiences=(ARM,)).tenant_id == served.tenant
    old = _kid(token)
    served.app.signing_keys.rotate()
    new = served.app.token_keys.key_id
    assert served.arm("GET", "/subscriptions", served.sign(_payload(token))).status_code == 200
    published = served.http.get(f"/{served.tenant}/discovery/v2.0/keys").json()
    assert {key["kid"] for key in published["keys"]} == {old, new}
    assert served.arm("GET", "/subscriptions", token).status_code == 200  # signed before the rotation


def _payload(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})
