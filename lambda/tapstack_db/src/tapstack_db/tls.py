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


def mysqlclient_tls(ca_bundle: str | None) -> dict:
    """`MySQLdb.connect` options: chain and host name verified against `ca_bundle`
    (VERIFY_IDENTITY); none without a bundle (local servers only)."""
    if not ca_bundle:
        return {}
    return {"ssl": {"ca": ca_bundle}, "ssl_mode": "VERIFY_IDENTITY"}
