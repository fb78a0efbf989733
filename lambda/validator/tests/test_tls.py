"""TLS through the stable writer name, against a real MariaDB that presents a certificate for
`localhost` only, as Aurora presents one for its RDS endpoints only: the validator connects to
the canonical name the alias resolves to and verifies chain and host name against it."""

import datetime
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from mariadb_server import MariaDBServer, running_mariadb
from tapstack_validator.database import DatabaseSettings

pytestmark = pytest.mark.mariadb

ALIAS = "writer.db.test.tapstack.internal"


def _certificate(subject: str, issuer_key, public_key, issuer: str, *, ca: bool, names=()):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False
        ).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _ca_and_server(folder: Path, ca_name: str) -> tuple[Path, Path, Path]:
    """A CA and a server certificate (for `localhost` only) it signed: (ca, cert, key)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate(ca_name, ca_key, ca_key.public_key(), ca_name, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _certificate(
        "localhost", ca_key, server_key.public_key(), ca_name, ca=False, names=["localhost"]
    )
    return (
        _pem(folder / f"{ca_name}.pem", ca.public_bytes(serialization.Encoding.PEM)),
        _pem(folder / "server-cert.pem", server.public_bytes(serialization.Encoding.PEM)),
        _pem(
            folder / "server-key.pem",
            server_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        ),
    )


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory) -> Iterator[tuple[MariaDBServer, Path, Path]]:
    """A MariaDB requiring TLS with a `localhost` certificate: (server, its CA, another CA)."""
    folder = tmp_path_factory.mktemp("tls")
    ca, cert, key = _ca_and_server(folder, "test-rds-ca")
    other_folder = tmp_path_factory.mktemp("other")
    other_ca, _cert, _key = _ca_and_server(other_folder, "another-ca")
    options = (
        f"--ssl-ca={ca}",
        f"--ssl-cert={cert}",
        f"--ssl-key={key}",
        "--require-secure-transport=ON",
    )
    with running_mariadb(tmp_path_factory.mktemp("tls-mariadb"), options=options) as server:
        yield server, ca, other_ca


def resolving(canonical: str):
    """A resolver stub: the alias is a CNAME of `canonical`, at the server's address."""

    def resolve(name, port, **_kwargs):
        assert name == ALIAS
        return [(2, 1, 6, canonical, ("127.0.0.1", port))]

    return resolve


def settings(server: MariaDBServer, ca: Path, canonical: str) -> DatabaseSettings:
    return DatabaseSettings(
        host=ALIAS,
        port=server.port,
        database="mysql",
        user=server.user,
        password=server.password,
        ca_bundle=str(ca),
        host_source="SSM parameter /tapstack/test/db/writer-dns",
        resolve=resolving(canonical),
    )


def test_connects_through_the_alias_and_verifies_the_canonical_name(tls_server):
    # GIVEN the writer name is an alias of `localhost`, the name the certificate holds
    server, ca, _other = tls_server
    # WHEN the validator connects through the alias
    connection = settings(server, ca, "localhost").connect()
    # THEN the session is encrypted and read-only
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW SESSION STATUS LIKE 'Ssl_version'")
            assert cursor.fetchone()[1].startswith("TLSv1.")
            cursor.execute("SELECT @@session.tx_read_only")
            assert cursor.fetchone() == (1,)
    finally:
        connection.close()


def test_host_name_verification_is_on(tls_server):
    # GIVEN the alias resolves to a name the certificate does not hold (its address)
    server, ca, _other = tls_server
    # WHEN/THEN the handshake fails on the host name, although the chain is trusted
    mismatch = r"IP address mismatch, certificate is not valid for '127\.0\.0\.1'"
    with pytest.raises(pymysql.err.OperationalError, match=mismatch):
        settings(server, ca, "127.0.0.1").connect()


def test_certificate_chain_verification_is_on(tls_server):
    # GIVEN a CA bundle that did not sign the server's certificate
    server, _ca, other_ca = tls_server
    with pytest.raises(pymysql.err.OperationalError, match="certificate verify failed"):
        settings(server, other_ca, "localhost").connect()
