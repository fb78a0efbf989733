"""The TLS options every database Lambda connects with: chain and host name verified against
the given bundle. (MariaDB Connector/C also checks the host name under a weaker `ssl_mode`, so
lambda/sync/tests/test_tls.py cannot tell VERIFY_CA from VERIFY_IDENTITY; this pins the option.)"""

from pathlib import Path

import pytest
from tapstack_db import RDS_CA_BUNDLE, mysqlclient_tls, pymysql_options, pymysql_tls


def test_pymysql_verifies_the_chain_and_the_host_name_against_the_bundle():
    assert pymysql_tls("/ca.pem") == {
        "ssl_ca": "/ca.pem",
        "ssl_verify_cert": True,
        "ssl_verify_identity": True,
    }


def test_mysqlclient_verifies_the_chain_and_the_host_name_against_the_bundle():
    assert mysqlclient_tls("/ca.pem") == {"ssl": {"ca": "/ca.pem"}, "ssl_mode": "VERIFY_IDENTITY"}


@pytest.mark.parametrize("options", [pymysql_tls, mysqlclient_tls], ids=["pymysql", "mysqlclient"])
@pytest.mark.parametrize("bundle", [None, ""], ids=["none", "empty"])
def test_no_bundle_means_no_tls_options(options, bundle):
    # Only local servers run without a bundle: every deployed function passes one.
    assert options(bundle) == {}


def test_the_default_bundle_is_the_packaged_one():
    assert Path(RDS_CA_BUNDLE).name == "rds-ca-bundle.pem"
    assert Path(RDS_CA_BUNDLE).parent.name == "tapstack_db"
    assert b"-----BEGIN CERTIFICATE-----" in Path(RDS_CA_BUNDLE).read_bytes()


def test_every_pymysql_connection_refuses_local_infile_and_verifies_tls():
    options = pymysql_options("/bundle.pem", connect_timeout=7)
    assert options["local_infile"] is False and options["autocommit"] is True
    assert (options["charset"], options["connect_timeout"]) == ("utf8mb4", 7)
    assert options["ssl_ca"] == "/bundle.pem"
    assert options["ssl_verify_cert"] is True and options["ssl_verify_identity"] is True
