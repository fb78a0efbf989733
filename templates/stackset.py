"""stackset stack (global group): the StackSet that rolls the regional baseline out.

Self-managed permissions: this stack defines both roles the StackSet needs in the
environment's account. The administration role (trusted by CloudFormation of this account
only) may assume nothing but the execution role; the execution role (trusted by the
administration role only) may manage nothing but the baseline's stacks and resources. The
baseline (tapstack_blocks.baseline) goes to every region in TargetRegions, one region at a
time in that order; failure tolerance and concurrency are parameters.
"""

from awacs import cloudformation as cfn
from awacs import ecr, kms, s3, ssm
from awacs.aws import Allow, Condition, Policy, Principal, Statement, StringEquals
from awacs.sts import AssumeRole
from pydantic import BaseModel, ConfigDict
from tapstack_blocks.baseline import EXECUTION_ROLE, build_baseline
from tapstack_blocks.boundary import permissions_boundary_arn
from tapstack_blocks.handler import render
from tapstack_blocks.iam import service_trust_policy
from tapstack_blocks.naming import PROJECT, database_parameter_arn
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import add_environment_parameters
from tapstack_blocks.suppressions import INLINE_POLICY, scanner_metadata
from troposphere import GetAtt, Parameter, Ref, Sub, Template
from troposphere.cloudformation import (
    DeploymentTargets,
    ManagedExecution,
    OperationPreferences,
    StackInstances,
    StackSet,
)
from troposphere.cloudformation import Parameter as StackSetParameter
from troposphere.iam import Policy as RolePolicy
from troposphere.iam import Role

REGION_PATTERN = r"^[a-z]{2}(-gov)?-[a-z]+-\d$"
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


class StackSetOptions(BaseModel):
    """The stackset template takes no sceptre_user_data; anything given is an error."""

    model_config = ConfigDict(extra="forbid")


def _add_parameters(template: Template) -> dict[str, Parameter]:
    specs = [
        Parameter(
            "TargetRegions",
            Type="CommaDelimitedList",
            AllowedPattern=REGION_PATTERN,
            Description="Regions that get the baseline, in deployment order (replica regions "
            "first: a region's baseline may be the destination of another's).",
            ConstraintDescription="must be AWS region names separated by commas",
        ),
        Parameter(
            "FailureToleranceCount",
            Type="Number",
            Default=0,
            MinValue=0,
            MaxValue=10,
            Description="Stack-instance failures per region tolerated before the operation stops.",
            ConstraintDescription="must be between 0 and 10",
        ),
        Parameter(
            "MaxConcurrentCount",
            Type="Number",
            Default=1,
            MinValue=1,
            MaxValue=10,
            Description="Accounts deployed at once per region (must exceed FailureToleranceCount).",
            ConstraintDescription="must be between 1 and 10",
        ),
    ]
    return {spec.title: template.add_parameter(spec) for spec in specs}


def _execution_policy() -> Policy:
    """What the execution role may do: the baseline's stacks and resources only."""
    return Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="BaselineStacks",
                Effect=Allow,
                Action=[
                    cfn.CreateStack,
                    cfn.UpdateStack,
                    cfn.DeleteStack,
                    cfn.DescribeStacks,
                    cfn.DescribeStackEvents,
                    cfn.DescribeStackResources,
                    cfn.GetTemplate,
                ],
                Resource=[
                    Sub(
                        f"arn:${{AWS::Partition}}:cloudformation:*:${{AWS::AccountId}}:stack/"
                        f"StackSet-{BASELINE_STACK_SET}-*"
                    )
                ],
            ),
            Statement(
                Sid="CreateKeys",
                Effect=Allow,
                Action=[kms.CreateKey],
                Resource=["*"],  # CreateKey has no resource ARN
                Condition=Condition(
                    StringEquals("aws:CalledViaFirst", "cloudformation.amazonaws.com")
                ),
            ),
            Statement(
                Sid="BaselineKeyAlias",
                Effect=Allow,
                Action=[kms.CreateAlias, kms.DeleteAlias, kms.UpdateAlias],
                Resource=[
                    Sub(
                        f"arn:${{AWS::Partition}}:kms:*:${{AWS::AccountId}}:alias/{PROJECT}-"
                        "baseline-${EnvironmentName}"
                    ),
                    Sub("arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*"),
                ],
            ),
            Statement(
                Sid="BaselineKeys",
                Effect=Allow,
                Action=[
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
                ],
                Resource=[Sub("arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*")],
                Condition=Condition(
                    StringEquals("aws:CalledViaFirst", "cloudformation.amazonaws.com")
                ),
            ),
            Statement(
                Sid="AuditTrailBucket",
                Effect=Allow,
                Action=[s3.Action("*")],
                Resource=[
                    Sub(
                        f"arn:${{AWS::Partition}}:s3:::{PROJECT}-audit-trail-${{EnvironmentName}}-"
                        "*-${AWS::AccountId}-*"
                    )
                ],
            ),
            Statement(
                Sid="BaselineRepository",
                Effect=Allow,
                Action=[ecr.Action("*")],
                Resource=[
                    Sub(
                        f"arn:${{AWS::Partition}}:ecr:*:${{AWS::AccountId}}:repository/{PROJECT}-"
                        "baseline-${EnvironmentName}-*"
                    )
                ],
            ),
            Statement(
                Sid="WriterDnsParameter",
                Effect=Allow,
                Action=[
                    ssm.PutParameter,
                    ssm.DeleteParameter,
                    ssm.GetParameters,
                    ssm.AddTagsToResource,
                    ssm.RemoveTagsFromResource,
                ],
                Resource=[database_parameter_arn("writer-dns", region="*")],
            ),
            Statement(
                Sid="DescribeCalls",
                Effect=Allow,
                Action=[ecr.DescribeRepositories, ssm.DescribeParameters],
                Resource=["*"],  # describe/list calls have no resource ARN
            ),
        ],
    )


def build(_options: StackSetOptions) -> Template:
    """The stackset stack's template."""
    template = Template(
        Description="tapstack global: StackSet rolling the regional baseline out to every region"
    )
    add_environment_parameters(template)
    parameters = _add_parameters(template)
    administration = template.add_resource(
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
                        Version="2012-10-17",
                        Statement=[
                            Statement(
                                Sid="AssumeTheExecutionRoleOnly",
                                Effect=Allow,
                                Action=[AssumeRole],
                                Resource=[
                                    Sub(
                                        "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/"
                                        f"{EXECUTION_ROLE}-${{EnvironmentName}}"
                                    )
                                ],
                            )
                        ],
                    ),
                )
            ],
        )
    )
    execution = template.add_resource(
        Role(
            "ExecutionRole",
            PermissionsBoundary=permissions_boundary_arn(),
            RoleName=Sub(f"{EXECUTION_ROLE}-${{EnvironmentName}}"),
            AssumeRolePolicyDocument=Policy(
                Version="2012-10-17",
                Statement=[
                    Statement(
                        Effect=Allow,
                        Principal=Principal("AWS", GetAtt(administration, "Arn")),
                        Action=[AssumeRole],
                    )
                ],
            ),
            Policies=[RolePolicy(PolicyName="baseline", PolicyDocument=_execution_policy())],
            Metadata={"checkov": {"skip": SCANNER_SUPPRESSIONS}, **scanner_metadata(INLINE_POLICY)},
        )
    )
    baseline = build_baseline()
    stack_set = template.add_resource(
        StackSet(
            "BaselineStackSet",
            StackSetName=Sub(f"{BASELINE_STACK_SET}-${{EnvironmentName}}-${{EnvironmentSuffix}}"),
            Description="tapstack regional baseline: key, audit-trail bucket, image "
            "repository, writer DNS name",
            PermissionModel="SELF_MANAGED",
            AdministrationRoleARN=GetAtt(administration, "Arn"),
            ExecutionRoleName=Ref(execution),
            TemplateBody=baseline.to_json(indent=None),
            Parameters=[
                StackSetParameter(ParameterKey=name, ParameterValue=Ref(name))
                for name in ("EnvironmentName", "EnvironmentSuffix")
            ],
            StackInstancesGroup=[
                StackInstances(
                    DeploymentTargets=DeploymentTargets(Accounts=[Ref("AWS::AccountId")]),
                    Regions=Ref(parameters["TargetRegions"]),
                )
            ],
            OperationPreferences=OperationPreferences(
                FailureToleranceCount=Ref(parameters["FailureToleranceCount"]),
                MaxConcurrentCount=Ref(parameters["MaxConcurrentCount"]),
                RegionConcurrencyType="SEQUENTIAL",
                RegionOrder=Ref(parameters["TargetRegions"]),
            ),
            ManagedExecution=ManagedExecution(Active=True),
        )
    )
    add_exported_output(
        template, "BaselineStackSetId", Ref(stack_set), "Id of the regional-baseline StackSet"
    )
    add_exported_output(
        template,
        "StackSetAdministrationRoleArn",
        GetAtt(administration, "Arn"),
        "The StackSet administration role",
    )
    return template


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("stackset", StackSetOptions, build, sceptre_user_data)
