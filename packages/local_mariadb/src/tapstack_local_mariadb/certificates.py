"""A throwaway certificate authority for the Lambda tests' MariaDB servers.

`issue(folder, "test-rds-ca", ["127.0.0.1"])` writes a CA certificate and a server certificate
and key it signed for exactly those names (IP addresses become IP SANs, anything else DNS SANs),
as the RDS CA signs a certificate for a cluster's endpoint names only. Tests hand the CA to the
code under test in place of the packaged RDS bundle, and the server options to MariaDB.
"""

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID_FOR = datetime.timedelta(days=1)


@dataclass(frozen=True)
class TlsFiles:
    """PEM files: the CA certificate, and the server certificate and key it signed."""

    ca: Path
    cert: Path
    key: Path

    def server_options(self) -> tuple[str, ...]:
        """MariaDB options that make a server present the certificate (TLS optional)."""
        return (f"--ssl-ca={self.ca}", f"--ssl-cert={self.cert}", f"--ssl-key={self.key}")


def _san(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _certificate(
    subject: str, issuer: str, issuer_key, public_key, *, names=()
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=not names, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([_san(name) for name in names]), critical=False
        ).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),
            critical=True,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def issue(folder: Path, ca_name: str, names: list[str]) -> TlsFiles:
    """A new CA named `ca_name` and a server certificate for `names`, written under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate(ca_name, ca_name, ca_key, ca_key.public_key())
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _certificate(names[0], ca_name, ca_key, server_key.public_key(), names=names)
    files = TlsFiles(
        folder / f"{ca_name}.pem", folder / "server-cert.pem", folder / "server-key.pem"
    )
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files.key.chmod(0o600)
    return files
