"""Parameters shared by every stack, with the constraints CloudFormation enforces.

The same patterns back the pydantic environment model, so config errors are caught before any
stack is touched and CloudFormation would refuse the same values anyway.
"""

from troposphere import Equals, Parameter, Ref, Template

from tapstack_blocks.naming import ENVIRONMENT_PARAMETER, SUFFIX_PARAMETER

ENVIRONMENTS = ("dev", "staging", "prod")
SUFFIX_PATTERN = r"^[a-z0-9]{2,8}$"
SUFFIX_DESCRIPTION = "2 to 8 lowercase letters or digits (it becomes part of resource names)"
KMS_KEY_ARN_PATTERN = r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$"
IS_PROD = "IsProd"


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
