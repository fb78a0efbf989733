"""Connections opened with a secret's values, and a user changing its own password.

The secret has the RDS shape: `host`, `port`, `username`, `password`, and `dbname` where the
user has a schema (the users' secrets). `dbname` is optional, as in AWS's own rotation
functions: a master secret completed by a SecretTargetAttachment carries `engine`, `host`,
`port` and `dbClusterIdentifier` but no schema, and the connection then opens none. With a CA
bundle the connection is verified TLS (certificate and host name), as Aurora requires.
"""

import json
from collections.abc import Callable
from typing import Any

import pymysql
from pymysql.connections import Connection
from tapstack_db import pymysql_options

# `dbname` is not required: a master secret has none (see above).
REQUIRED_KEYS = ("host", "port", "username", "password")
CONNECT_TIMEOUT_SECONDS = 5


class SecretShapeError(ValueError):
    """A secret value lacks a key the rotation needs."""


def parse_secret(secret_string: str, where: str) -> dict[str, Any]:
    """The secret's JSON, checked for the keys a connection needs."""
    try:
        value = json.loads(secret_string)
    except json.JSONDecodeError as err:
        raise SecretShapeError(f"{where} is not JSON") from err
    missing = [key for key in REQUIRED_KEYS if not isinstance(value, dict) or key not in value]
    if missing:
        raise SecretShapeError(f"{where} lacks {', '.join(missing)}")
    return value


def connector(ca_bundle: str | None) -> Callable[[dict[str, Any]], Connection]:
    """`connect(secret)`: a new connection as the secret's user (TLS when `ca_bundle`)."""

    def connect(secret: dict[str, Any]) -> Connection:
        return pymysql.connect(
            host=secret["host"],
            port=int(secret["port"]),
            user=secret["username"],
            password=secret["password"],
            database=secret.get("dbname"),
            **pymysql_options(ca_bundle, CONNECT_TIMEOUT_SECONDS),
        )

    return connect


def set_own_password(connection: Connection, password: str) -> None:
    """The connected user sets its own password; no privilege is needed for that.

    MySQL 5.7.6+/8.0 (Aurora MySQL 2 and 3) take the plain text; MariaDB (RDS for MariaDB, and
    the local stand-in) needs PASSWORD() there, which MySQL 8.0 no longer has.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        (version,) = cursor.fetchone()
        if "mariadb" in str(version).lower():
            cursor.execute("SET PASSWORD = PASSWORD(%s)", (password,))
        else:
            cursor.execute("SET PASSWORD = %s", (password,))
