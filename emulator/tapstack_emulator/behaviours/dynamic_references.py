"""Dynamic references (`{{resolve:secretsmanager:...}}`) in resource properties.

CloudFormation resolves them when it creates or updates a resource, so a password reaches the
resource without ever being in the template; moto passes the text through unresolved. Here a
property string holding a Secrets Manager reference is resolved against the stack's account and
region (SecretString, optionally one JSON key, version stage or id), and a reference to a missing
secret or key fails the resource, as in AWS.
"""

import json
import re
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.secretsmanager.models import secretsmanager_backends

REFERENCE = re.compile(r"\{\{resolve:secretsmanager:(?P<body>[^}]+)\}\}")
_previous_clean_json = None


def _resolve_secret(body: str, account_id: str, region: str) -> str:
    # secret-id may be an ARN (with colons): the optional fields follow "SecretString".
    if ":SecretString" in body:
        secret_id, rest = body.split(":SecretString", 1)
        fields = rest.lstrip(":").split(":") if rest else []
    else:
        secret_id, fields = body, []
    json_key, stage, version = ([*fields, "", "", ""])[:3]
    backend = secretsmanager_backends[account_id][region]
    try:
        value = backend.get_secret_value(secret_id, version or None, stage or None)
    except Exception as err:
        raise ValidationError(
            message=f"Could not resolve dynamic reference to secret {secret_id}: {err}"
        ) from err
    text = value["SecretString"]
    if not json_key:
        return text
    document = json.loads(text)
    if json_key not in document:
        raise ValidationError(
            message=f"Secret {secret_id} has no key {json_key} for a dynamic reference"
        )
    return str(document[json_key])


def resolve(value: str, account_id: str, region: str) -> str:
    """`value` with every Secrets Manager dynamic reference replaced by what it names."""
    return REFERENCE.sub(lambda m: _resolve_secret(m["body"], account_id, region), value)


def clean_json(resource_json: Any, resources_map: Any) -> Any:
    """The previous clean_json, with dynamic references in the resulting strings resolved."""
    result = _previous_clean_json(resource_json, resources_map)
    # Inside Fn::Sub moto cleans the text before substituting: wait for the substituted text.
    if isinstance(result, str) and "{{resolve:secretsmanager:" in result and "${" not in result:
        return resolve(result, resources_map["AWS::AccountId"], resources_map["AWS::Region"])
    return result


def apply() -> None:
    """Wrap moto's (already patched) clean_json."""
    global _previous_clean_json
    _previous_clean_json = parsing.clean_json
    parsing.clean_json = clean_json
