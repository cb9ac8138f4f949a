"""A local certificate authority and a server certificate issued by it into ``<data-dir>/tls/``.

The CA (certificate and key) is the installation's, kept in the database by ``services/installation_secrets.py``
so every process, on any host, serves a chain ending in the same CA; this module makes, reads and uses it.
Each process writes the CA certificate to ``<data-dir>/tls/ca.pem`` for clients
(``REQUESTS_CA_BUNDLE=<data-dir>/tls/ca.pem``) and issues its own server certificate from it, covering
``localhost``, ``127.0.0.1`` and any extra host names; that is re-issued when a name is missing, it is
about to expire or another CA issued it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_NAMES = ("localhost", "127.0.0.1")
_RENEW_BEFORE = dt.timedelta(days=30)


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    ca: Path | None  # None when the operator brought their own certificate


def _write_private(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    os.chmod(path, 0o600)


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


@dataclass(frozen=True)
class LocalCa:
    cert_pem: str
    key_pem: str

    def to_text(self) -> str:
        return json.dumps({"cert": self.cert_pem, "key": self.key_pem})

    @classmethod
    def from_text(cls, text: str) -> LocalCa:
        stored = json.loads(text)
        return cls(stored["cert"], stored["key"])

    def loaded(self):
        return (x509.load_pem_x509_certificate(self.cert_pem.encode("ascii")),
                serialization.load_pem_private_key(self.key_pem.encode("ascii"), None))


def ca_in_data_dir(data_dir: Path) -> LocalCa | None:
    """The CA a data directory made for itself before the CA moved into the database (imported once)."""
    folder = data_dir / "tls"
    cert, key = folder / "ca.pem", folder / "ca-key.pem"
    if not (cert.exists() and key.exists()):
        return None
    return LocalCa(cert.read_text("ascii"), key.read_text("ascii"))


def new_ca(now: dt.datetime | None = None) -> LocalCa:
    now = now or dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Subplane"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Subplane local CA")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return LocalCa(cert.public_bytes(serialization.Encoding.PEM).decode("ascii"), _pem_key(key).decode("ascii"))


def _alt_names(names: tuple[str, ...]) -> list[x509.GeneralName]:
    result: list[x509.GeneralName] = []
    for name in names:
        try:
            result.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            result.append(x509.DNSName(name))
    return result


def _server_cert_is_fresh(cert_path: Path, ca_pem: bytes, names: tuple[str, ...], now: dt.datetime) -> bool:
    if not cert_path.exists():
        return False
    chain = cert_path.read_bytes()
    if not chain.endswith(ca_pem):  # issued by another CA (this data directory's own, before it was shared)
        return False
    cert = x509.load_pem_x509_certificate(chain)
    if cert.not_valid_after_utc - _RENEW_BEFORE < now:
        return False
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    present = {str(v) for v in san.get_values_for_type(x509.DNSName)} | {
        str(v) for v in san.get_values_for_type(x509.IPAddress)}
    return set(names) <= present


def ensure_certificates(data_dir: Path, ca: LocalCa, hostnames: tuple[str, ...] = ()) -> TlsFiles:
    """``ca.pem`` for clients and a server certificate from ``ca`` for ``localhost``, ``127.0.0.1`` and ``hostnames``."""
    folder = data_dir / "tls"
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    names = tuple(dict.fromkeys((*DEFAULT_NAMES, *hostnames)))
    ca_cert, ca_key = ca.loaded()
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    if not (folder / "ca.pem").exists() or (folder / "ca.pem").read_bytes() != ca_pem:
        (folder / "ca.pem.new").write_bytes(ca_pem)
        os.replace(folder / "ca.pem.new", folder / "ca.pem")  # a client reading it never sees half a file
    cert_path, key_path = folder / "server.pem", folder / "server-key.pem"
    if not _server_cert_is_fresh(cert_path, ca_pem, names, now):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=397))
            .add_extension(x509.SubjectAlternativeName(_alt_names(names)), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        _write_private(key_path, _pem_key(key))
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + ca_pem)
    return TlsFiles(cert_path, key_path, folder / "ca.pem")
