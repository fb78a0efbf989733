"""The two roles of a self-managed StackSet (stackset stack), each as narrow as it can be.

The administration role (trusted by CloudFormation of this account only) may assume nothing but
the execution role; the execution role (trusted by the administration role only) may manage
nothing but the regional baseline's stacks and resources. The execution role's grants are a
table: one row a statement.
"""

from awacs import cloudformation as cfn
from awacs import ecr, kms, s3, ssm
from awacs.aws import Action, Allow, Condition, Policy, Principal, Statement, StringEquals
from awacs.sts import AssumeRole
from troposphere import AWSHelperFn, GetAtt, Sub, Template
from troposphere.iam import Policy as RolePolicy
from troposphere.iam import Role

from tapstack_blocks.baseline import EXECUTION_ROLE, execution_role_arn
from tapstack_blocks.boundary import permissions_boundary_arn
from tapstack_blocks.iam import service_trust_policy
from tapstack_blocks.naming import PROJECT, database_parameter_arn
from tapstack_blocks.suppressions import INLINE_POLICY, scanner_metadata

BASELINE_STACK_SET = f"{PROJECT}-baseline"
# Who may create and change the baseline's resources in each region, and only those.
SCANNER_SUPPRESSIONS = [
    {
        "id": "CKV_AWS_111",
        "comment": "kms:CreateKey and the ECR/SSM list and describe calls the baseline needs "
        "have no resource ARN before the resource exists; every other write names the "
        "baseline's stacks, bucket, repository, alias or parameter.",
    },
    {
        "id": "CKV_AWS_109",
        "comment": "kms:PutKeyPolicy is needed to create the baseline key (CloudFormation sets "
        "the key policy); it is limited to keys created through CloudFormation in this account.",
    },
]
BASELINE_KEY_ACTIONS = [
    kms.DescribeKey,
    kms.EnableKeyRotation,
    kms.GetKeyPolicy,
    kms.GetKeyRotationStatus,
    kms.ListResourceTags,
    kms.PutKeyPolicy,
    kms.ScheduleKeyDeletion,
    kms.TagResource,
    kms.UntagResource,
    kms.UpdateKeyDescription,
    kms.GenerateDataKey,
    kms.Decrypt,
    kms.CreateGrant,
]
WRITER_DNS_ACTIONS = [
    ssm.PutParameter,
    ssm.DeleteParameter,
    ssm.GetParameters,
    ssm.AddTagsToResource,
    ssm.RemoveTagsFromResource,
]
STACK_ACTIONS = [
    cfn.CreateStack,
    cfn.UpdateStack,
    cfn.DeleteStack,
    cfn.DescribeStacks,
    cfn.DescribeStackEvents,
    cfn.DescribeStackResources,
    cfn.GetTemplate,
]


def _own(service: str, resource: str) -> Sub:
    """An ARN of this account, in any region."""
    return Sub(f"arn:${{AWS::Partition}}:{service}:*:${{AWS::AccountId}}:{resource}")


def _via_cloudformation() -> Condition:
    return Condition(StringEquals("aws:CalledViaFirst", "cloudformation.amazonaws.com"))


def _grants() -> list[tuple[str, list[Action], list[AWSHelperFn | str], Condition | None]]:
    """(Sid, actions, resources, condition) of every statement of the execution role."""
    stacks = _own("cloudformation", f"stack/StackSet-{BASELINE_STACK_SET}-*")
    keys = _own("kms", "key/*")
    alias = _own("kms", f"alias/{PROJECT}-baseline-${{EnvironmentName}}")
    buckets = Sub(
        f"arn:${{AWS::Partition}}:s3:::{PROJECT}-audit-trail-${{EnvironmentName}}-"
        "*-${AWS::AccountId}-*"
    )
    repositories = _own("ecr", f"repository/{PROJECT}-baseline-${{EnvironmentName}}-*")
    writer_dns = database_parameter_arn("writer-dns", region="*")
    via_cloudformation = _via_cloudformation()
    alias_actions = [kms.CreateAlias, kms.DeleteAlias, kms.UpdateAlias]
    describe_actions = [ecr.DescribeRepositories, ssm.DescribeParameters]
    return [
        ("BaselineStacks", STACK_ACTIONS, [stacks], None),
        ("CreateKeys", [kms.CreateKey], ["*"], via_cloudformation),  # no resource ARN
        ("BaselineKeyAlias", alias_actions, [alias, keys], None),
        ("BaselineKeys", BASELINE_KEY_ACTIONS, [keys], via_cloudformation),
        ("AuditTrailBucket", [s3.Action("*")], [buckets], None),
        ("BaselineRepository", [ecr.Action("*")], [repositories], None),
        ("WriterDnsParameter", WRITER_DNS_ACTIONS, [writer_dns], None),
        ("DescribeCalls", describe_actions, ["*"], None),  # no resource ARN
    ]


def execution_policy() -> Policy:
    """What the execution role may do: the baseline's stacks and resources only."""
    statements = []
    for sid, actions, resources, condition in _grants():
        statement = Statement(Sid=sid, Effect=Allow, Action=actions, Resource=resources)
        if condition is not None:
            statement.Condition = condition
        statements.append(statement)
    return Policy(Version="2012-10-17", Statement=statements)


def add_administration_role(template: Template) -> Role:
    """The role CloudFormation uses to run the StackSet: it may assume the execution role only."""
    only_the_execution_role = Statement(
        Sid="AssumeTheExecutionRoleOnly",
        Effect=Allow,
        Action=[AssumeRole],
        Resource=[execution_role_arn()],
    )
    return template.add_resource(
        Role(
            "AdministrationRole",
            PermissionsBoundary=permissions_boundary_arn(),
            Metadata=scanner_metadata(INLINE_POLICY),
            RoleName=Sub(f"{PROJECT}-stackset-admin-${{EnvironmentName}}"),
            AssumeRolePolicyDocument=service_trust_policy("cloudformation.amazonaws.com"),
            Policies=[
                RolePolicy(
                    PolicyName="assume-execution-role",
                    PolicyDocument=Policy(
                        Version="2012-10-17", Statement=[only_the_execution_role]
                    ),
                )
            ],
        )
    )


def add_execution_role(template: Template, administration: Role) -> Role:
    """The role that manages the baseline in each region, trusted by `administration` only."""
    trust = Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Principal=Principal("AWS", GetAtt(administration, "Arn")),
                Action=[AssumeRole],
            )
        ],
    )
    return template.add_resource(
        Role(
            "ExecutionRole",
            PermissionsBoundary=permissions_boundary_arn(),
            RoleName=Sub(f"{EXECUTION_ROLE}-${{EnvironmentName}}"),
            AssumeRolePolicyDocument=trust,
            Policies=[RolePolicy(PolicyName="baseline", PolicyDocument=execution_policy())],
            Metadata={"checkov": {"skip": SCANNER_SUPPRESSIONS}, **scanner_metadata(INLINE_POLICY)},
        )
    )
