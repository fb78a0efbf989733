"""Verified TLS for the database drivers the Lambdas use, against a CA bundle (by default the
packaged Amazon RDS bundle; tests pass their own CA in its place)."""

from pathlib import Path

#: The Amazon RDS trust store (written by `tapstack-refresh-rds-ca-bundle`, tools/).
RDS_CA_BUNDLE = str(Path(__file__).with_name("rds-ca-bundle.pem"))


def pymysql_tls(ca_bundle: str | None) -> dict:
    """`pymysql.connect` options: chain and host name verified against `ca_bundle`; none
    without a bundle (local servers only)."""
    if not ca_bundle:
        return {}
    return {"ssl_ca": ca_bundle, "ssl_verify_cert": True, "ssl_verify_identity": True}


def pymysql_options(ca_bundle: str | None, connect_timeout: int) -> dict:
    """Every `pymysql.connect` option these Lambdas share, all but endpoint and credentials:
    utf8mb4, autocommit (each transaction explicit), the connect timeout, no LOCAL INFILE (a
    server may never ask this client for a file) and verified TLS (`pymysql_tls`)."""
    return {
        "charset": "utf8mb4",
        "autocommit": True,
        "connect_timeout": connect_timeout,
        "local_infile": False,
        **pymysql_tls(ca_bundle),
    }


def mysqlclient_tls(ca_bundle: str | None) -> dict:
    """`MySQLdb.connect` options: chain and host name verified against `ca_bundle`
    (VERIFY_IDENTITY); none without a bundle (local servers only)."""
    if not ca_bundle:
        return {}
    return {"ssl": {"ca": ca_bundle}, "ssl_mode": "VERIFY_IDENTITY"}
