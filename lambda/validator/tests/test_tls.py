"""TLS through the stable writer name, against a real MariaDB that presents a certificate for
`localhost` only, as Aurora presents one for its RDS endpoints only: the validator connects to
the canonical name the alias resolves to and verifies chain and host name against it."""

from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest
from tapstack_local_mariadb import MariaDBServer, issue, running_mariadb
from tapstack_validator.database import DatabaseSettings

pytestmark = pytest.mark.mariadb

ALIAS = "writer.db.test.tapstack.internal"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory) -> Iterator[tuple[MariaDBServer, Path, Path]]:
    """A MariaDB requiring TLS with a `localhost` certificate: (server, its CA, another CA)."""
    tls = issue(tmp_path_factory.mktemp("tls"), "test-rds-ca", ["localhost"])
    other = issue(tmp_path_factory.mktemp("other"), "another-ca", ["localhost"])
    with running_mariadb(
        tmp_path_factory.mktemp("tls-mariadb"),
        tls=tls,
        options=("--require-secure-transport=ON",),
    ) as server:
        yield server, tls.ca, other.ca


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
