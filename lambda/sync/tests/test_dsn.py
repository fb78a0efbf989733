"""DSN parsing: the accepted form, and errors that name the DSN without echoing passwords."""

import pytest
from tapstack_sync import BadInputError, parse_dsn


def test_full_dsn_is_parsed_and_the_password_stays_secret():
    dsn = parse_dsn("mysql://sync%40writer:p%2Fss@db.internal:3307/tapstack?ssl_ca=/ca.pem")
    assert (dsn.user, dsn.host, dsn.port, dsn.database, dsn.ssl_ca) == (
        "sync@writer",
        "db.internal",
        3307,
        "tapstack",
        "/ca.pem",
    )
    assert dsn.password.get_secret_value() == "p/ss"
    assert "p/ss" not in repr(dsn)
    assert dsn.describe() == "sync@writer@db.internal:3307/tapstack"


def test_port_defaults_to_3306():
    assert parse_dsn("mysql://u:p@h/db").port == 3306


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("postgres://u:p@h/db", "the scheme was 'postgres'", id="scheme"),
        pytest.param("mysql://u:p@h", "with a user, host and database", id="no-database"),
        pytest.param("mysql://h/db", "with a user, host and database", id="no-user"),
        pytest.param("mysql://u:p@h:99999/db", "not a valid mysql:// URL", id="port"),
        pytest.param("mysql://u:p@h/db?sslmode=x", "unknown option(s) ['sslmode']", id="option"),
    ],
)
def test_bad_dsns_are_refused_by_name(text, message):
    with pytest.raises(BadInputError) as caught:
        parse_dsn(text, name="target DSN")
    assert str(caught.value).startswith("target DSN: ")
    assert message in str(caught.value)
    assert ":p@" not in str(caught.value)
