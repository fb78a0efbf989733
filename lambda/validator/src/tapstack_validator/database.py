"""Where the database is, read at run time: the connection facts under `/tapstack/{env}/db/` in
SSM, and the validator's own credentials from its secret (`tapstack/{env}/{suffix}/db/validator`,
a user that may only SELECT the reference tables; never the master secret).

The host is the environment's stable writer name, `{path}/writer-dns`: in prod the Route 53
failover name the baseline StackSet publishes, elsewhere the cluster endpoint the database stack
publishes. It is resolved to its canonical RDS name on every connection (`host_name`), so TLS
verifies the name Aurora's certificate holds and a failover needs no redeploy.

Parameters and secret are cached by Powertools for `max_age` seconds, so a warm function reads
them rarely and a rotated password is picked up within that time.
"""

import socket
from dataclasses import dataclass, field

import pymysql
from aws_lambda_powertools.utilities import parameters
from pymysql.connections import Connection
from tapstack_db import pymysql_options

from tapstack_validator.host_name import Resolver, canonical_host

CACHE_SECONDS = 300
CONNECT_TIMEOUT_SECONDS = 5
#: leaf names under the path: the writer name (database stack, or the baseline StackSet where
#: the environment has failover records) and what lambda/secure_parameter publishes
LEAVES = ("writer-dns", "port", "name")


class DatabaseSettingsError(RuntimeError):
    """The SSM path or the secret does not hold what the validator needs."""


@dataclass(frozen=True)
class DatabaseSettings:
    """Host, port, schema and credentials of the environment's database."""

    host: str
    port: int
    database: str
    user: str
    password: str = field(repr=False)
    ca_bundle: str = ""
    #: where `host` came from (the SSM parameter), named when it does not resolve
    host_source: str = "settings"
    resolve: Resolver = field(default=socket.getaddrinfo, repr=False, compare=False)

    def connect(self) -> Connection:
        """A read-only autocommit connection to the canonical name of `host`; TLS verified
        (certificate chain and that canonical host name) when a CA bundle is set."""
        host = canonical_host(self.host, self.port, source=self.host_source, resolve=self.resolve)
        connection = pymysql.connect(
            host=host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=self.database,
            **pymysql_options(self.ca_bundle, CONNECT_TIMEOUT_SECONDS),
        )
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
        return connection


def load_settings(path: str, secret_id: str, ca_bundle: str = "") -> DatabaseSettings:
    """Read `{path}/writer-dns|port|name` (decrypted; GetParameters on exactly these names) and
    the user's secret `secret_id` (a name: a replica keeps it in another region)."""
    names = {leaf: f"{path}/{leaf}" for leaf in LEAVES}
    found = parameters.get_parameters_by_name(
        {name: {} for name in names.values()},
        decrypt=True,
        max_age=CACHE_SECONDS,
        raise_on_error=False,
    )
    missing = [leaf for leaf, name in names.items() if name not in found]
    if missing:
        raise DatabaseSettingsError(
            f"SSM path {path} lacks {', '.join(missing)} (the database stack publishes them; "
            "writer-dns comes from the baseline StackSet where the environment has failover "
            "records)"
        )
    values = {leaf: str(found[name]) for leaf, name in names.items()}
    secret = parameters.get_secret(secret_id, transform="json", max_age=CACHE_SECONDS)
    if not isinstance(secret, dict) or not {"username", "password"} <= secret.keys():
        raise DatabaseSettingsError(f"secret {secret_id} is not JSON with username and password")
    try:
        port = int(values["port"])
    except ValueError:
        raise DatabaseSettingsError(f"{path}/port = {values['port']!r} is not a port") from None
    return DatabaseSettings(
        host=values["writer-dns"],
        port=port,
        database=values["name"],
        user=secret["username"],
        password=secret["password"],
        ca_bundle=ca_bundle,
        host_source=f"SSM parameter {names['writer-dns']}",
    )
