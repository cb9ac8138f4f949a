"""A local certificate authority and a server certificate, made once and kept in ``<data-dir>/tls/``.

Clients trust Subplane through the CA file (``REQUESTS_CA_BUNDLE=<data-dir>/tls/ca.pem``). The server
certificate covers ``localhost``, ``127.0.0.1`` and any extra host names; it is re-issued when a
name is missing or it is about to expire. The CA key never leaves the data directory.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
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


def _load_or_make_ca(folder: Path, now: dt.datetime):
    ca_pem, ca_key_pem = folder / "ca.pem", folder / "ca-key.pem"
    if ca_pem.exists() and ca_key_pem.exists():
        return x509.load_pem_x509_certificate(ca_pem.read_bytes()), serialization.load_pem_private_key(ca_key_pem.read_bytes(), None)
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
    _write_private(ca_key_pem, _pem_key(key))
    ca_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _alt_names(names: tuple[str, ...]) -> list[x509.GeneralName]:
    result: list[x509.GeneralName] = []
    for name in names:
        try:
            result.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            result.append(x509.DNSName(name))
    return result


def _server_cert_is_fresh(cert_path: Path, names: tuple[str, ...], now: dt.datetime) -> bool:
    if not cert_path.exists():
        return False
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    if cert.not_valid_after_utc - _RENEW_BEFORE < now:
        return False
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    present = {str(v) for v in san.get_values_for_type(x509.DNSName)} | {
        str(v) for v in san.get_values_for_type(x509.IPAddress)}
    return set(names) <= present


def ensure_certificates(data_dir: Path, hostnames: tuple[str, ...] = ()) -> TlsFiles:
    """The CA and a server certificate for ``localhost``, ``127.0.0.1`` and ``hostnames``."""
    folder = data_dir / "tls"
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    names = tuple(dict.fromkeys((*DEFAULT_NAMES, *hostnames)))
    ca_cert, ca_key = _load_or_make_ca(folder, now)
    cert_path, key_path = folder / "server.pem", folder / "server-key.pem"
    if not _server_cert_is_fresh(cert_path, names, now):
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
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM))
    return TlsFiles(cert_path, key_path, folder / "ca.pem")
