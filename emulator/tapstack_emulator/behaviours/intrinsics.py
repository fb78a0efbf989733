"""Intrinsic functions moto resolves wrongly or not at all.

- Fn::Cidr is missing (moto returns the unresolved dict, so Fn::Select over it crashes).
- Fn::GetAZs always answers us-east-1's zones; it must use the stack's region.
- Fn::Select does not resolve an index given as a Ref.
- Fn::GetAtt on a type or attribute moto cannot answer crashes or silently yields the
  unresolved dict; AWS rejects it with a ValidationError naming resource and attribute.
"""

import ipaddress
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.core.exceptions import ServiceException
from moto.ec2.models import ec2_backends

_moto_clean_json = parsing.clean_json
UNDEFINED_GETATT_TARGET = "Template error: instance of Fn::GetAtt references undefined resource"
_moto_validate_outputs = parsing.ResourceMap.validate_outputs


def fn_cidr(ip_block: str, count: int, cidr_bits: int) -> list[str]:
    """`count` consecutive subnets of `ip_block`, each with `cidr_bits` host bits."""
    network = ipaddress.ip_network(ip_block, strict=False)
    prefix = network.max_prefixlen - int(cidr_bits)
    if prefix < network.prefixlen:
        raise ValidationError(message=f"Template error: Fn::Cidr cannot fit /{prefix} in {network}")
    subnets = network.subnets(new_prefix=prefix)
    result = []
    for _ in range(int(count)):
        try:
            result.append(str(next(subnets)))
        except StopIteration:
            raise ValidationError(
                message=f"Template error: Fn::Cidr cannot fit {count} /{prefix} in {network}"
            ) from None
    return result


def availability_zones(account_id: str, region: str) -> list[str]:
    """The region's availability zones, as DescribeAvailabilityZones lists them."""
    zones = ec2_backends[account_id][region].describe_availability_zones()
    return [zone.name for zone in zones if zone.zone_type == "availability-zone"]


def _get_att(value: list[Any] | str, resources_map: Any) -> Any:
    name, attribute = value.split(".", 1) if isinstance(value, str) else value
    attribute = clean_json(attribute, resources_map)
    resource = resources_map.get(name)
    if resource is None or not hasattr(resource, "get_cfn_attribute"):
        raise ValidationError(message=f"{UNDEFINED_GETATT_TARGET} {name}")
    try:
        result = resource.get_cfn_attribute(attribute)
    except ServiceException:
        raise
    except Exception as err:
        resource_type = getattr(resource, "cf_resource_type", type(resource).__name__)
        raise ValidationError(
            message=(
                f"Template error: resource {name} ({resource_type}) does not support "
                f"attribute type {attribute} in Fn::GetAtt"
            )
        ) from err
    return result


def clean_json(resource_json: Any, resources_map: Any) -> Any:
    """moto's clean_json with the functions above handled first."""
    if isinstance(resource_json, dict) and len(resource_json) == 1:
        ((function, value),) = resource_json.items()
        if function == "Fn::Cidr":
            return fn_cidr(*clean_json(value, resources_map))
        if function == "Fn::GetAZs":
            region = clean_json(value, resources_map) or resources_map["AWS::Region"]
            return availability_zones(resources_map["AWS::AccountId"], region)
        if function == "Fn::Select":
            index, items = value
            return clean_json(items, resources_map)[int(clean_json(index, resources_map))]
        if function == "Fn::GetAtt":
            return _get_att(value, resources_map)
    return _moto_clean_json(resource_json, resources_map)


def validate_outputs(self: Any) -> None:
    """moto's output check, which crashes (500) when an output's GetAtt names no resource."""
    for output in (self._template.get("Outputs") or {}).values():
        value = output.get("Value") if isinstance(output, dict) else None
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            name = target.split(".", 1)[0] if isinstance(target, str) else target[0]
            if name not in self._resource_json_map:
                raise ValidationError(message=f"{UNDEFINED_GETATT_TARGET} {name}")
    _moto_validate_outputs(self)


def apply() -> None:
    """Route moto's (recursive) clean_json through ours; check outputs' GetAtt targets."""
    parsing.clean_json = clean_json
    parsing.ResourceMap.validate_outputs = validate_outputs
