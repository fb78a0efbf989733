"""How to reach the database: settings that open a fresh PyMySQL connection each attempt."""

from dataclasses import dataclass, field

import pymysql
from pymysql.connections import Connection
from tapstack_db import pymysql_options


@dataclass(frozen=True)
class ConnectionSettings:
    """Host, credentials and schema; `ca_bundle` turns on verified TLS (Aurora requires it)."""

    host: str
    user: str
    password: str = field(repr=False)
    database: str
    port: int = 3306
    ca_bundle: str | None = None
    connect_timeout: int = 10

    def connect(self) -> Connection:
        """A new autocommit connection (each statement's transaction is explicit)."""
        return pymysql.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=self.database,
            **pymysql_options(self.ca_bundle, self.connect_timeout),
        )

    def as_user(self, user: str, password: str) -> "ConnectionSettings":
        """The same server and schema with other credentials."""
        return ConnectionSettings(
            host=self.host,
            port=self.port,
            user=user,
            password=password,
            database=self.database,
            ca_bundle=self.ca_bundle,
            connect_timeout=self.connect_timeout,
        )
