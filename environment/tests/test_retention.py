"""The retention windows a config may state, and the message for one it may not."""

import pytest
from pydantic import ValidationError
from tapstack_environment.retention import RetentionWindows

PROD = {"log_days": 365, "audit_log_days": 365, "backup_days": 30, "key_deletion_days": 30}


def test_prods_windows_are_accepted():
    assert RetentionWindows.model_validate(PROD).backup_days == 30


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"log_days": 31}, "not a CloudWatch Logs retention period", id="log-31"),
        pytest.param({"audit_log_days": 0}, "not a CloudWatch Logs retention period", id="0"),
        pytest.param({"backup_days": 0}, "greater than or equal to 1", id="no-backups"),
        pytest.param({"backup_days": 36}, "less than or equal to 35", id="backups-36"),
        pytest.param({"key_deletion_days": 6}, "greater than or equal to 7", id="key-6"),
        pytest.param({"key_deletion_days": 31}, "less than or equal to 30", id="key-31"),
        pytest.param({"log_days": "30"}, "valid integer", id="text"),
        pytest.param({"log_days": True}, "valid integer", id="bool"),
        pytest.param({"snapshot_days": 1}, "Extra inputs are not permitted", id="unknown"),
    ],
)
def test_a_window_outside_what_aws_accepts_is_refused(change, message):
    with pytest.raises(ValidationError, match=message):
        RetentionWindows.model_validate({**PROD, **change})
