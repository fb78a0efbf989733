"""Where the database is, read at run time: the connection facts the database stack publishes
under `/tapstack/{env}/db/` in SSM (SecureString) and the credentials in the secret they name.

Both are cached by Powertools for `max_age` seconds, so a warm function reads them rarely and a
rotated password is picked up within that time.
"""

from dataclasses import dataclass, field

import pymysql
from aws_lambda_powertools.utilities import parameters
from pymysql.connections import Connection

CACHE_SECONDS = 300
CONNECT_TIMEOUT_SECONDS = 5
#: leaf names under the path, as lambda/secure_parameter publishes them (database stack)
LEAVES = ("endpoint", "port", "name", "secret-arn")


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

    def connect(self) -> Connection:
        """A read-only autocommit connection; verified TLS when a CA bundle is set."""
        tls = (
            {"ssl_ca": self.ca_bundle, "ssl_verify_cert": True, "ssl_verify_identity": True}
            if self.ca_bundle
            else {}
        )
        connection = pymysql.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=self.database,
            charset="utf8mb4",
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            **tls,
        )
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
        return connection


def load_settings(path: str, ca_bundle: str = "") -> DatabaseSettings:
    """Read `{path}/endpoint|port|name|secret-arn` (decrypted) and the secret they name."""
    found = parameters.get_parameters(path, decrypt=True, max_age=CACHE_SECONDS)
    missing = [leaf for leaf in LEAVES if leaf not in found]
    if missing:
        raise DatabaseSettingsError(
            f"SSM path {path} lacks {', '.join(missing)} (the database stack publishes them)"
        )
    secret = parameters.get_secret(found["secret-arn"], transform="json", max_age=CACHE_SECONDS)
    if not isinstance(secret, dict) or not {"username", "password"} <= secret.keys():
        raise DatabaseSettingsError(
            f"secret {found['secret-arn']} is not JSON with username and password"
        )
    try:
        port = int(found["port"])
    except ValueError:
        raise DatabaseSettingsError(f"{path}/port = {found['port']!r} is not a port") from None
    return DatabaseSettings(
        host=found["endpoint"],
        port=port,
        database=found["name"],
        user=secret["username"],
        password=secret["password"],
        ca_bundle=ca_bundle,
    )
