"""Connections made for syncing: exact server text for every value, UTC, strict SQL mode.

Values that the driver would convert (DECIMAL, DATETIME, TIMESTAMP, FLOAT, ...) are kept as the
bytes the server sent, so comparison and re-insertion never go through a lossy Python type;
only integers become `int` (key arithmetic needs them) and text becomes `str`.
"""

import MySQLdb
from MySQLdb.connections import Connection
from MySQLdb.constants import FIELD_TYPE
from MySQLdb.converters import conversions
from tapstack_db import mysqlclient_tls

from tapstack_sync.dsn import Dsn

# Server text kept as bytes: the exact representation, re-inserted as a _binary literal.
_RAW_TYPES = (
    FIELD_TYPE.DECIMAL,
    FIELD_TYPE.NEWDECIMAL,
    FIELD_TYPE.FLOAT,
    FIELD_TYPE.DOUBLE,
    FIELD_TYPE.DATE,
    FIELD_TYPE.DATETIME,
    FIELD_TYPE.TIMESTAMP,
    FIELD_TYPE.TIME,
    FIELD_TYPE.YEAR,
    FIELD_TYPE.BIT,
    FIELD_TYPE.SET,
)
CONVERSIONS = {key: value for key, value in conversions.items() if key not in _RAW_TYPES}

# NO_AUTO_VALUE_ON_ZERO: a key 0 is copied as 0, not replaced by the next AUTO_INCREMENT value.
SQL_MODE = "STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION"
CONNECT_TIMEOUT_SECONDS = 10


def connect(dsn: Dsn, *, lock_wait_timeout: int | None = None) -> Connection:
    """A new connection (autocommit off) with the session settings every sync query relies on."""
    options = mysqlclient_tls(dsn.ssl_ca)
    connection = MySQLdb.connect(
        host=dsn.host,
        port=dsn.port,
        user=dsn.user,
        password=dsn.password.get_secret_value(),
        database=dsn.database,
        charset="utf8mb4",
        conv=CONVERSIONS,
        binary_prefix=True,
        autocommit=False,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        multi_statements=False,
        local_infile=0,  # a server may never ask this client for a file
        **options,
    )
    settings = [
        "time_zone = '+00:00'",
        f"sql_mode = '{SQL_MODE}'",
        "group_concat_max_len = 1048576",
    ]
    if lock_wait_timeout is not None:
        settings.append(f"innodb_lock_wait_timeout = {int(lock_wait_timeout)}")
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION " + ", ".join(settings))
    return connection


def quote(identifier: str) -> str:
    """A backquoted identifier (table or column name)."""
    return "`" + identifier.replace("`", "``") + "`"
