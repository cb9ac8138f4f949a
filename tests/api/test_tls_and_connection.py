"""The local CA and server certificate, the persistent signing key, and `subplane env`."""

from __future__ import annotations

import json
import ssl

from cryptography import x509
from typer.testing import CliRunner

from subplane.adapters.tls import ensure_certificates, new_ca
from subplane.cli.connection import connection_details, write_connection
from subplane.cli.main import app as cli_app


def _names(path) -> set[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(v) for v in san.get_values_for_type(x509.DNSName)} | {str(v) for v in san.get_values_for_type(x509.IPAddress)}


def test_certificates_are_made_once_and_reissued_for_new_names(tmp_path):
    ca = new_ca()
    first = ensure_certificates(tmp_path, ca)
    assert first.ca == tmp_path / "tls" / "ca.pem"
    assert _names(first.cert) == {"localhost", "127.0.0.1"}
    ca_bytes, cert_bytes = first.ca.read_bytes(), first.cert.read_bytes()
    assert ensure_certificates(tmp_path, ca).cert.read_bytes() == cert_bytes
    again = ensure_certificates(tmp_path, ca, ("subplane.internal", "10.1.2.3"))
    assert _names(again.cert) == {"localhost", "127.0.0.1", "subplane.internal", "10.1.2.3"}
    assert again.ca.read_bytes() == ca_bytes
    context = ssl.create_default_context(cafile=str(again.ca))  # the chain verifies against the CA
    context.load_cert_chain(str(again.cert), str(again.key))
    assert (tmp_path / "tls" / "server-key.pem").stat().st_mode & 0o077 == 0


def test_a_server_certificate_from_another_ca_is_reissued(tmp_path):
    ensure_certificates(tmp_path, new_ca())
    shared = new_ca()
    files = ensure_certificates(tmp_path, shared)
    assert files.ca.read_text("ascii") == shared.cert_pem
    context = ssl.create_default_context(cafile=str(files.ca))
    context.load_cert_chain(str(files.cert), str(files.key))
    assert files.cert.read_text("ascii").endswith(shared.cert_pem)


def test_signing_key_survives_a_restart(make_app, tmp_path):
    first = make_app(data_dir=tmp_path / "data")
    token = first.token_keys.issue(issuer="https://x/t/v2.0", audience="https://management.azure.com/",
                                   tenant_id="t", object_id="o", name="n", is_app=True, client_id="c")
    first.close()
    restarted = make_app(data_dir=tmp_path / "data", public_urls="https://x")
    claims = restarted.token_keys.verify(token, audiences=("https://management.azure.com/",))
    assert claims.object_id == "o" and claims.is_app


def test_subplane_env_prints_the_sdk_exports(tmp_path, monkeypatch):
    import subplane.cli.connection as cli_connection

    monkeypatch.setattr(cli_connection, "require_live_server", lambda details: None)  # no server here: see tests/cli
    (tmp_path / "demo.json").write_text(json.dumps({"tenantId": "tid", "servicePrincipals": [
        {"name": "subplane-owner", "clientId": "cid", "clientSecret": "sec ret", "role": "Owner"},
        {"name": "subplane-reader", "clientId": "rid", "clientSecret": "r", "role": "Reader"}]}))
    details = connection_details(tmp_path, "https://127.0.0.1:9443", tmp_path / "tls" / "ca.pem", None)
    assert details["tenantId"] == "tid" and details["principals"]["reader"]["clientId"] == "rid"
    write_connection(tmp_path, details)
    result = CliRunner().invoke(cli_app, ["env", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "export AZURE_AUTHORITY_HOST=https://127.0.0.1:9443" in result.output
    assert "export AZURE_CLIENT_SECRET='sec ret'" in result.output
    assert f"export REQUESTS_CA_BUNDLE={tmp_path / 'tls' / 'ca.pem'}" in result.output
    assert "export AZURE_CORE_INSTANCE_DISCOVERY=false" in result.output
    reader = CliRunner().invoke(cli_app, ["env", "--role", "reader", "--data-dir", str(tmp_path)])
    assert "export AZURE_CLIENT_ID=rid" in reader.output


def test_subplane_env_without_a_server_says_what_to_do(tmp_path):
    result = CliRunner().invoke(cli_app, ["env", "--data-dir", str(tmp_path)])
    assert result.exit_code == 4 and "subplane serve" in result.output
