"""endpoints stack: the interface VPC endpoints of the network stack's VPC.

One endpoint per AWS API the project's code calls from the private subnets (Secrets Manager,
SSM, STS, KMS, CloudWatch Logs, EC2), with private DNS, in the network stack's private subnets
and its Endpoint security group, each under its data-perimeter policy
(tapstack_blocks.endpoint_policies). Each takes about two minutes to create, so they live apart
from the network stack: only the stacks whose custom resources call those APIs while they deploy
(database, migrations) wait for them (`dependencies` in their config). The S3 gateway endpoint
stays in the network stack (storage's bucket policies name it).
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict
from tapstack_blocks.handler import render
from tapstack_blocks.interface_endpoints import (
    EndpointPlacement,
    add_interface_endpoints,
    add_sync_targets,
)
from tapstack_blocks.parameters import (
    add_environment_parameters,
    endpoint_security_group_parameter,
    private_subnet_ids_parameter,
    vpc_id_parameter,
)
from troposphere import Ref, Template

# ec2: the default security group's lockdown function (database stack) revokes its rules
InterfaceService = Literal["secretsmanager", "ssm", "sts", "kms", "logs", "ec2"]


class EndpointsOptions(BaseModel):
    """What the endpoints template may be told through sceptre_user_data."""

    model_config = ConfigDict(extra="forbid")

    interface_endpoints: list[InterfaceService] = [
        "secretsmanager",
        "ssm",
        "sts",
        "kms",
        "logs",
        "ec2",
    ]


def build(options: EndpointsOptions) -> Template:
    """The endpoints stack's template."""
    template = Template(Description="tapstack endpoints: the VPC's interface endpoints")
    add_environment_parameters(template)
    placement = EndpointPlacement(
        vpc_id=Ref(template.add_parameter(vpc_id_parameter())),
        subnet_ids=Ref(template.add_parameter(private_subnet_ids_parameter())),
        security_group_id=Ref(template.add_parameter(endpoint_security_group_parameter())),
    )
    sync_target_roles = add_sync_targets(template)
    add_interface_endpoints(template, placement, options.interface_endpoints, sync_target_roles)
    return template


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("endpoints", EndpointsOptions, build, sceptre_user_data)
