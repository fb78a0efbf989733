"""PutParameter of a SecureString checks its KeyId, as AWS does.

moto accepts any KeyId (even one that does not exist), so a template or handler passing a wrong
key would pass here and fail in AWS. The key may be given as id, ARN, alias name or alias ARN;
an ARN names its own account and region. A key that does not exist, or is not Enabled
(disabled, pending deletion), fails with InvalidKeyId and nothing is written.
"""

import inspect
from typing import Any

from moto.kms.models import kms_backends
from moto.ssm.exceptions import SSMException
from moto.ssm.models import SimpleSystemManagerBackend

_moto_put_parameter = SimpleSystemManagerBackend.put_parameter
_SIGNATURE = inspect.signature(_moto_put_parameter)


class InvalidKeyId(SSMException):
    """SSM's error for a KeyId it cannot use."""

    def __init__(self, key_id: str, detail: str) -> None:
        super().__init__("InvalidKeyId", f"The query key ID isn't valid: {key_id} {detail}")


def check_key(account_id: str, region_name: str, key_id: str) -> None:
    """Raise InvalidKeyId unless `key_id` names an Enabled KMS key."""
    if key_id.startswith("arn:"):
        parts = key_id.split(":")
        region_name, account_id = parts[3] or region_name, parts[4] or account_id
    kms = kms_backends[account_id][region_name]
    try:
        key = kms.describe_key(key_id)
    except Exception:
        raise InvalidKeyId(key_id, "does not exist") from None
    if key.key_state != "Enabled":
        raise InvalidKeyId(key_id, f"is {key.key_state}")


def put_parameter(self: SimpleSystemManagerBackend, *args: Any, **kwargs: Any) -> Any:
    """moto's PutParameter after the key check."""
    call = _SIGNATURE.bind(self, *args, **kwargs).arguments
    if call.get("parameter_type") == "SecureString" and call.get("keyid"):
        key_id = call["keyid"]
        check_key(self.account_id, self.region_name, key_id)
    return _moto_put_parameter(self, *args, **kwargs)


def apply() -> None:
    """Install the check."""
    SimpleSystemManagerBackend.put_parameter = put_parameter
