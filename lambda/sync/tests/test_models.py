"""Request validation: bad values are refused as bad input (exit 2) with the value named."""

import pytest
from tapstack_sync import BadInputError, Dsn, SyncRequest

DSN = Dsn(host="h", user="u", password="secret-pw", database="d")  # noqa: S106 - a test value


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"max_change_ratio": 0}, "max_change_ratio must be above 0", id="ratio"),
        pytest.param({"lock_wait_seconds": 0}, "lock_wait_seconds must be 1", id="lock-wait"),
        pytest.param({"tables": [""]}, "not a table name: ''", id="empty-table"),
        pytest.param({"allowlist": ["x" * 65]}, "not a table name", id="long-table"),
    ],
)
def test_bad_request_values_are_bad_input(options, message):
    with pytest.raises(BadInputError, match=message):
        SyncRequest(source=DSN, target=DSN, **options)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"host": ""}, "needs a host, a user and a database", id="host"),
        pytest.param({"port": 0}, "port must be 1-65535", id="port"),
        pytest.param({"database": "d" * 65}, "longer than 64", id="database"),
    ],
)
def test_bad_dsn_fields_are_bad_input(fields, message):
    values = {"host": "h", "user": "u", "database": "d"} | fields
    with pytest.raises(BadInputError, match=message):
        Dsn(**values)


def test_password_never_shows():
    assert "secret-pw" not in repr(DSN) and "secret-pw" not in str(DSN)
    assert DSN.password.get_secret_value() == "secret-pw"
