"""stackset stack (global group): the StackSet that rolls the regional baseline out.

Self-managed permissions: this stack defines both roles the StackSet needs in the
environment's account. The administration role (trusted by CloudFormation of this account
only) may assume nothing but the execution role; the execution role (trusted by the
administration role only) may manage nothing but the baseline's stacks and resources. The
baseline (tapstack_blocks.baseline) goes to every region in TargetRegions, one region at a
time in that order; failure tolerance and concurrency are parameters.
"""

from pydantic import BaseModel, ConfigDict
from tapstack_blocks.baseline import build_baseline
from tapstack_blocks.handler import render
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import add_environment_parameters
from tapstack_blocks.stackset_roles import (
    BASELINE_STACK_SET,
    add_administration_role,
    add_execution_role,
)
from troposphere import GetAtt, Parameter, Ref, Sub, Template
from troposphere.cloudformation import (
    DeploymentTargets,
    ManagedExecution,
    OperationPreferences,
    StackInstances,
    StackSet,
)
from troposphere.cloudformation import Parameter as StackSetParameter

REGION_PATTERN = r"^[a-z]{2}(-gov)?-[a-z]+-\d$"


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


def build(_options: StackSetOptions) -> Template:
    """The stackset stack's template."""
    template = Template(
        Description="tapstack global: StackSet rolling the regional baseline out to every region"
    )
    add_environment_parameters(template)
    parameters = _add_parameters(template)
    administration = add_administration_role(template)
    execution = add_execution_role(template, administration)
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
