"""A Lambda function in the VPC with its own role and encrypted log group; its code is a
container image pinned by digest (every tapstack function is one: the seeds' rule).

Every tapstack function runs in the private subnets (AWS APIs through the VPC endpoints), logs
to its own KMS-encrypted log group with a retention, and has only the permissions its caller
lists.
"""

from dataclasses import dataclass, field

from awacs import ec2, logs
from awacs.aws import Action, Allow, Policy, Statement
from troposphere import AWSHelperFn, GetAtt, Ref, Select, Split, Sub, Template
from troposphere.awslambda import (
    Code,
    DeadLetterConfig,
    Environment,
    Function,
    ImageConfig,
    LoggingConfig,
    VPCConfig,
)
from troposphere.iam import ManagedPolicy, Role
from troposphere.iam import Policy as RolePolicy
from troposphere.logs import LogGroup

from tapstack_blocks.boundary import permissions_boundary_arn
from tapstack_blocks.iam import service_trust_policy
from tapstack_blocks.naming import resource_name
from tapstack_blocks.suppressions import INLINE_POLICY, RETENTION_BY_ENVIRONMENT, add_suppressions

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
# The Guard rule that reports what a checkov check reports: the same exception, the same reason.
GUARD_RULE_OF_CHECK = {"CKV_AWS_116": "LAMBDA_DLQ_CHECK"}


@dataclass
class FunctionSpec:
    """What differs between tapstack functions."""

    logical_id: str
    name: str  # the `{resource}` part of the function name
    description: str
    statements: list[Statement]
    image_uri: AWSHelperFn  # the container image, pinned by digest (lambda/<function>)
    handler: str = ""  # `module.function`: named here too (ImageConfig.Command), not only in CMD
    dead_letter_arn: AWSHelperFn | None = None  # SQS queue for failed asynchronous invocations
    environment: dict[str, AWSHelperFn | str] = field(default_factory=dict)
    timeout_seconds: int = 60
    memory_mb: int = 256
    reserved_concurrency: int | AWSHelperFn = 2
    scanner_suppressions: list[dict[str, str]] = field(
        default_factory=lambda: list(CUSTOM_RESOURCE_SUPPRESSIONS)
    )
    # A role another stack owns (e.g. the iam stack's cross-account sync role): the function's
    # own permissions are then attached to it as a policy instead of a new role.
    role_arn: AWSHelperFn | None = None


@dataclass
class VpcPlacement:
    """Where functions run and what they encrypt with."""

    subnet_ids: AWSHelperFn
    security_group_id: AWSHelperFn
    kms_key_arn: AWSHelperFn
    log_retention_days: AWSHelperFn  # tapstack_blocks.retention.log_retention_days


def add_vpc_function(template: Template, spec: FunctionSpec, placement: VpcPlacement) -> Function:
    """Add the function, its role and its log group; return the function."""
    function_name = resource_name(spec.name)
    log_group = template.add_resource(
        add_suppressions(
            LogGroup(
                f"{spec.logical_id}LogGroup",
                LogGroupName=Sub("/aws/lambda/${Name}", Name=function_name),
                RetentionInDays=placement.log_retention_days,
                KmsKeyId=placement.kms_key_arn,
                DeletionPolicy="Delete",
                UpdateReplacePolicy="Delete",
            ),
            guard=RETENTION_BY_ENVIRONMENT,
        )
    )
    document = Policy(
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
    )
    role_arn = spec.role_arn or _add_role(template, spec, document)
    depends_on = {}
    if spec.role_arn:
        depends_on["DependsOn"] = [f"{spec.logical_id}Policy"]  # grants before the function
        template.add_resource(
            ManagedPolicy(
                f"{spec.logical_id}Policy",
                Description=Sub(
                    "${Name}: its log group, VPC interfaces, own grants", Name=function_name
                ),
                Roles=[Select(1, Split("/", spec.role_arn))],
                PolicyDocument=document,
            )
        )
    optional = {"Environment": Environment(Variables=spec.environment)} if spec.environment else {}
    if spec.dead_letter_arn is not None:
        optional["DeadLetterConfig"] = DeadLetterConfig(TargetArn=spec.dead_letter_arn)
    function = Function(
        spec.logical_id,
        **optional,
        **_code(spec),
        **depends_on,
        FunctionName=function_name,
        Description=spec.description,
        Role=role_arn,
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
    guard = {
        GUARD_RULE_OF_CHECK[skip["id"]]: skip["comment"]
        for skip in spec.scanner_suppressions
        if skip["id"] in GUARD_RULE_OF_CHECK
    }
    if isinstance(spec.reserved_concurrency, AWSHelperFn):
        guard["LAMBDA_CONCURRENCY_CHECK"] = (
            "ReservedConcurrentExecutions is a stack parameter (Ref), which Guard cannot "
            "resolve; the parameter's MinValue is 1, so a limit is always set."
        )
    return template.add_resource(add_suppressions(function, guard=guard))


def _code(spec: FunctionSpec) -> dict:
    """PackageType and ImageUri; the handler, when given, as the image's command."""
    image = {"PackageType": "Image", "Code": Code(ImageUri=spec.image_uri)}
    if spec.handler:  # the handler named here as well as in the image's CMD
        image["ImageConfig"] = ImageConfig(Command=[spec.handler])
    return image


def kms_statement(kms_key_arn: AWSHelperFn, actions: list[Action]) -> Statement:
    """Use of the environment key for the listed actions only."""
    return Statement(Sid="EnvironmentKey", Effect=Allow, Action=actions, Resource=[kms_key_arn])


def _add_role(template: Template, spec: FunctionSpec, document: Policy) -> GetAtt:
    role = template.add_resource(
        add_suppressions(
            Role(
                f"{spec.logical_id}Role",
                PermissionsBoundary=permissions_boundary_arn(),
                AssumeRolePolicyDocument=service_trust_policy("lambda.amazonaws.com"),
                Policies=[RolePolicy(PolicyName="function", PolicyDocument=document)],
            ),
            guard=INLINE_POLICY,
        )
    )
    return GetAtt(role, "Arn")
