"""A Lambda function in the VPC with its own role, encrypted log group and code from S3.

Every tapstack function runs in the private subnets (AWS APIs through the VPC endpoints), logs
to its own KMS-encrypted log group with a retention, and has only the permissions its caller
lists.
"""

from dataclasses import dataclass, field

from awacs import ec2, logs
from awacs.aws import Action, Allow, Policy, Statement
from troposphere import AWSHelperFn, GetAtt, If, Ref, Sub, Template
from troposphere.awslambda import Code, Environment, Function, LoggingConfig, VPCConfig
from troposphere.iam import Policy as RolePolicy
from troposphere.iam import Role
from troposphere.logs import LogGroup

from tapstack_blocks.iam import service_trust_policy
from tapstack_blocks.naming import resource_name

RUNTIME = "python3.12"
LOG_RETENTION_DAYS = {"prod": 365, "other": 30}
# What Lambda needs to place a function's network interfaces in the VPC.
VPC_ENI_WRITE_ACTIONS = [
    ec2.CreateNetworkInterface,
    ec2.DeleteNetworkInterface,
    ec2.AssignPrivateIpAddresses,
    ec2.UnassignPrivateIpAddresses,
]
VPC_ENI_WRITE_RESOURCES = [
    Sub(f"arn:${{AWS::Partition}}:ec2:${{AWS::Region}}:${{AWS::AccountId}}:{kind}/*")
    for kind in ("network-interface", "subnet", "security-group")
]
# checkov suppressions every custom-resource function needs, each with its reason.
CUSTOM_RESOURCE_SUPPRESSIONS = [
    {
        "id": "CKV_AWS_116",
        "comment": "Invoked synchronously by CloudFormation for a custom resource; a failure "
        "is reported to the stack (which rolls back), so a dead-letter queue would hold "
        "nothing anyone acts on.",
    },
]


@dataclass
class FunctionSpec:
    """What differs between tapstack functions."""

    logical_id: str
    name: str  # the `{resource}` part of the function name
    description: str
    handler: str
    code_key: AWSHelperFn
    statements: list[Statement]
    environment: dict[str, AWSHelperFn | str] = field(default_factory=dict)
    timeout_seconds: int = 60
    memory_mb: int = 256
    reserved_concurrency: int = 2
    scanner_suppressions: list[dict[str, str]] = field(
        default_factory=lambda: list(CUSTOM_RESOURCE_SUPPRESSIONS)
    )


@dataclass
class VpcPlacement:
    """Where functions run and what they encrypt with."""

    subnet_ids: AWSHelperFn
    security_group_id: AWSHelperFn
    kms_key_arn: AWSHelperFn
    code_bucket: AWSHelperFn
    is_prod: str


def add_vpc_function(template: Template, spec: FunctionSpec, placement: VpcPlacement) -> Function:
    """Add the function, its role and its log group; return the function."""
    function_name = resource_name(spec.name)
    log_group = template.add_resource(
        LogGroup(
            f"{spec.logical_id}LogGroup",
            LogGroupName=Sub("/aws/lambda/${Name}", Name=function_name),
            RetentionInDays=If(
                placement.is_prod, LOG_RETENTION_DAYS["prod"], LOG_RETENTION_DAYS["other"]
            ),
            KmsKeyId=placement.kms_key_arn,
            DeletionPolicy="Delete",
            UpdateReplacePolicy="Delete",
        )
    )
    role = template.add_resource(
        Role(
            f"{spec.logical_id}Role",
            AssumeRolePolicyDocument=service_trust_policy("lambda.amazonaws.com"),
            Policies=[
                RolePolicy(
                    PolicyName="function",
                    PolicyDocument=Policy(
                        Version="2012-10-17",
                        Statement=[
                            Statement(
                                Sid="OwnLogGroup",
                                Effect=Allow,
                                Action=[logs.CreateLogStream, logs.PutLogEvents],
                                Resource=[GetAtt(log_group, "Arn")],
                            ),
                            Statement(
                                Sid="VpcNetworkInterfaces",
                                Effect=Allow,
                                Action=VPC_ENI_WRITE_ACTIONS,
                                Resource=VPC_ENI_WRITE_RESOURCES,
                            ),
                            Statement(
                                Sid="DescribeNetworkInterfaces",
                                Effect=Allow,
                                Action=[ec2.DescribeNetworkInterfaces],
                                Resource=["*"],  # Describe* actions have no resource type
                            ),
                            *spec.statements,
                        ],
                    ),
                )
            ],
        )
    )
    optional = {"Environment": Environment(Variables=spec.environment)} if spec.environment else {}
    return template.add_resource(
        Function(
            spec.logical_id,
            **optional,
            FunctionName=function_name,
            Description=spec.description,
            Runtime=RUNTIME,
            Handler=spec.handler,
            Code=Code(S3Bucket=placement.code_bucket, S3Key=spec.code_key),
            Role=GetAtt(role, "Arn"),
            Timeout=spec.timeout_seconds,
            MemorySize=spec.memory_mb,
            ReservedConcurrentExecutions=spec.reserved_concurrency,
            KmsKeyArn=placement.kms_key_arn,
            VpcConfig=VPCConfig(
                SubnetIds=placement.subnet_ids, SecurityGroupIds=[placement.security_group_id]
            ),
            LoggingConfig=LoggingConfig(LogGroup=Ref(log_group)),
            Metadata={"checkov": {"skip": spec.scanner_suppressions}},
        )
    )


def kms_statement(kms_key_arn: AWSHelperFn, actions: list[Action]) -> Statement:
    """Use of the environment key for the listed actions only."""
    return Statement(Sid="EnvironmentKey", Effect=Allow, Action=actions, Resource=[kms_key_arn])
