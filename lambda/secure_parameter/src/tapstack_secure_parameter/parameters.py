"""Create, overwrite and delete one SecureString parameter; plain functions over an SSM client.

Each change is one PutParameter call, so a call SSM refuses (an unknown or unusable KMS key)
changes nothing: the old value and key stay.
"""

import logging
from typing import Any

from tapstack_secure_parameter.properties import ParameterProperties

logger = logging.getLogger(__name__)


class ParameterExistsError(RuntimeError):
    """Create found a parameter of that name that this resource does not own."""


def create_parameter(ssm: Any, new: ParameterProperties) -> int:
    """Create the parameter; refuse to take over one that exists. Returns its version."""
    request: dict[str, Any] = {
        "Name": new.name,
        "Value": new.value,
        "Type": "SecureString",
        "KeyId": new.kms_key_id,
        "Overwrite": False,
    }
    if new.description:
        request["Description"] = new.description
    if new.tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(new.tags.items())]
    try:
        return ssm.put_parameter(**request)["Version"]
    except ssm.exceptions.ParameterAlreadyExists as err:
        raise ParameterExistsError(
            f"SSM parameter {new.name} already exists; delete it or choose another Name "
            "(this resource never adopts a parameter it did not create)"
        ) from err


def update_parameter(ssm: Any, new: ParameterProperties, old_tags: dict[str, str]) -> int:
    """Overwrite value, key and description in one call, then bring the tags in line."""
    version = ssm.put_parameter(
        Name=new.name,
        Value=new.value,
        Type="SecureString",
        KeyId=new.kms_key_id,
        Description=new.description,
        Overwrite=True,
    )["Version"]
    removed = sorted(set(old_tags) - set(new.tags))
    if removed:
        ssm.remove_tags_from_resource(
            ResourceType="Parameter", ResourceId=new.name, TagKeys=removed
        )
    changed = {k: v for k, v in new.tags.items() if old_tags.get(k) != v}
    if changed:
        ssm.add_tags_to_resource(
            ResourceType="Parameter",
            ResourceId=new.name,
            Tags=[{"Key": k, "Value": v} for k, v in sorted(changed.items())],
        )
    return version


def delete_parameter(ssm: Any, name: str) -> None:
    """Delete the parameter; already gone is fine."""
    try:
        ssm.delete_parameter(Name=name)
    except ssm.exceptions.ParameterNotFound:
        logger.info("SSM parameter %s was already gone", name)
