"""The sync's TLS against a real MariaDB that requires it and presents a certificate for
`localhost` only, as Aurora presents one for its RDS endpoint names only: a trusted chain is not
enough, the name connected to must be in the certificate. (The accepted case, a certificate
holding the address connected to, is test_handler.py's TLS handshake test.)"""

from collections.abc import Iterator

import MySQLdb
import pytest
from tapstack_local_mariadb import MariaDBServer, TlsFiles, issue, running_mariadb
from tapstack_sync import Dsn
from tapstack_sync.connection import connect

pytestmark = pytest.mark.mariadb


@pytest.fixture(scope="module")
def localhost_only(tmp_path_factory) -> Iterator[tuple[MariaDBServer, TlsFiles]]:
    """A server requiring TLS, its certificate valid for the name `localhost` only."""
    tls = issue(tmp_path_factory.mktemp("tls"), "test-rds-ca", ["localhost"])
    with running_mariadb(
        tmp_path_factory.mktemp("tls-mariadb"),
        tls=tls,
        options=("--require-secure-transport=ON",),
    ) as server:
        yield server, tls


def _dsn(server: MariaDBServer, host: str, ca: str | None) -> Dsn:
    return Dsn(
        host=host,
        port=server.port,
        user=server.user,
        password=server.password,
        database="mysql",
        ssl_ca=ca,
    )


def test_an_address_the_certificate_does_not_name_is_refused(localhost_only):
    # GIVEN the same server, reached by an address its certificate does not hold
    server, tls = localhost_only
    # WHEN/THEN the handshake fails on the host name, although the chain is trusted
    with pytest.raises(MySQLdb.OperationalError, match="Validation of SSL server certificate"):
        connect(_dsn(server, "127.0.0.1", str(tls.ca)))
