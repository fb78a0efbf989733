"""Parameters shared by every stack, with the constraints CloudFormation enforces.

The same patterns back the pydantic environment model, so config errors are caught before any
stack is touched and CloudFormation would refuse the same values anyway.
"""

from tapstack_environment.conventions import ENVIRONMENTS, SUFFIX_DESCRIPTION, SUFFIX_PATTERN
from troposphere import Equals, Parameter, Ref, Template

from tapstack_blocks.naming import ENVIRONMENT_PARAMETER, SUFFIX_PARAMETER

__all__ = ["ENVIRONMENTS", "SUFFIX_DESCRIPTION", "SUFFIX_PATTERN"]  # and the functions below
KMS_KEY_ARN_PATTERN = r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$"
IS_PROD = "IsProd"
# A VPC of the address plan (config/config.yaml `address_plan`): a private /16.
VPC_CIDR_PATTERN = r"^(10|172|192)\.\d{1,3}\.0\.0/16$"


def add_environment_parameters(template: Template) -> tuple[Parameter, Parameter]:
    """Add EnvironmentName and EnvironmentSuffix."""
    environment = template.add_parameter(
        Parameter(
            ENVIRONMENT_PARAMETER,
            Type="String",
            AllowedValues=list(ENVIRONMENTS),
            Description="The environment (account) this stack belongs to.",
            ConstraintDescription=f"must be one of {', '.join(ENVIRONMENTS)}",
        )
    )
    suffix = template.add_parameter(
        Parameter(
            SUFFIX_PARAMETER,
            Type="String",
            AllowedPattern=SUFFIX_PATTERN,
            Description="Deployment suffix in resource names {resource}-{env}-{suffix}.",
            ConstraintDescription=f"must be {SUFFIX_DESCRIPTION}",
        )
    )
    return environment, suffix


def add_is_prod_condition(template: Template) -> str:
    """Add the IsProd condition (EnvironmentName is prod) and return its name."""
    template.add_condition(IS_PROD, Equals(Ref(ENVIRONMENT_PARAMETER), "prod"))
    return IS_PROD


def add_kms_key_arn_parameter(template: Template) -> Parameter:
    """Add KmsKeyArn: the environment's customer-managed key, from the kms stack."""
    return template.add_parameter(
        Parameter(
            "KmsKeyArn",
            Type="String",
            AllowedPattern=KMS_KEY_ARN_PATTERN,
            Description="ARN of the environment's customer-managed KMS key (kms stack).",
            ConstraintDescription="must be the ARN of a KMS key",
        )
    )


def private_subnet_ids_parameter() -> Parameter:
    """PrivateSubnetIds: the environment's private subnets, one per AZ (network stack)."""
    return Parameter(
        "PrivateSubnetIds",
        Type="List<AWS::EC2::Subnet::Id>",
        Description="The private subnets (network stack), one per AZ.",
        ConstraintDescription="must be subnet ids of the environment's VPC",
    )


def lambda_security_group_parameter() -> Parameter:
    """LambdaSecurityGroupId: the Lambda tier's security group (network stack)."""
    return Parameter(
        "LambdaSecurityGroupId",
        Type="AWS::EC2::SecurityGroup::Id",
        Description="The Lambda tier security group (network stack).",
        ConstraintDescription="must be a security group id",
    )


def vpc_id_parameter(whose: str = "This environment's") -> Parameter:
    """VpcId: `whose` VPC (its network stack)."""
    return Parameter(
        "VpcId",
        Type="AWS::EC2::VPC::Id",
        Description=f"{whose} VPC (network stack).",
        ConstraintDescription="must be a VPC id",
    )


def endpoint_security_group_parameter(whose: str = "This VPC's") -> Parameter:
    """EndpointSecurityGroupId: the interface endpoints' security group (network stack)."""
    return Parameter(
        "EndpointSecurityGroupId",
        Type="AWS::EC2::SecurityGroup::Id",
        Description=f"{whose} interface-endpoint tier (network stack).",
        ConstraintDescription="must be a security group id",
    )


def own_vpc_parameters(whose: str, lambda_tier: str) -> list[Parameter]:
    """VpcId, PrivateRouteTableIds, AzCount and LambdaSecurityGroupId of the stack's own VPC
    (its network stack), described as `whose` ("Prod's", "This region's"); `lambda_tier` names
    the Lambda tier in its description."""
    owner = whose[0].lower() + whose[1:]
    return [
        vpc_id_parameter(whose),
        Parameter(
            "PrivateRouteTableIds",
            Type="CommaDelimitedList",
            AllowedPattern=r"^rtb-[0-9a-f]{8,17}$",
            Description=f"{whose} private route tables, one per AZ (network stack).",
            ConstraintDescription="must be route table ids, comma-separated",
        ),
        Parameter(
            "AzCount",
            Type="String",
            AllowedValues=["2", "3"],
            Description=f"Number of availability zones (route tables) of {owner} VPC.",
            ConstraintDescription="must be 2 or 3",
        ),
        Parameter(
            "LambdaSecurityGroupId",
            Type="AWS::EC2::SecurityGroup::Id",
            Description=f"{whose} {lambda_tier} (network stack).",
            ConstraintDescription="must be a security group id",
        ),
    ]
