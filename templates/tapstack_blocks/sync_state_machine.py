"""The sync workflow's resources (sync stack): the Step Functions state machine with its role
and log group, and the EventBridge schedule that starts it."""

from awacs import kms, sns, states
from awacs import logs as logs_actions
from awacs.aws import Allow, Policy, Statement
from awacs.awslambda import InvokeFunction
from troposphere import GetAtt, Ref, Sub, Template
from troposphere.awslambda import Function
from troposphere.events import Rule, Target
from troposphere.iam import Policy as RolePolicy
from troposphere.iam import Role
from troposphere.logs import LogGroup
from troposphere.sns import Topic
from troposphere.stepfunctions import (
    CloudWatchLogsLogGroup,
    LogDestination,
    LoggingConfiguration,
    StateMachine,
    TracingConfiguration,
)

from tapstack_blocks.boundary import permissions_boundary_arn
from tapstack_blocks.functions import kms_statement
from tapstack_blocks.iam import service_trust_policy
from tapstack_blocks.naming import resource_name
from tapstack_blocks.suppressions import INLINE_POLICY, RETENTION_BY_ENVIRONMENT, scanner_metadata
from tapstack_blocks.sync_workflow import definition


def add_sync_workflow(
    template: Template, function: Function, topic: Topic, kms_key_arn: Ref, log_days: Ref
) -> StateMachine:
    """The state machine (tapstack_blocks.sync_workflow's definition), its role, which may
    invoke `function`, publish to `topic` and deliver its logs, and its encrypted log group."""
    name = resource_name("sync")
    log_group = template.add_resource(
        LogGroup(
            "SyncWorkflowLogGroup",
            LogGroupName=Sub("/aws/vendedlogs/states/${Name}", Name=name),
            RetentionInDays=log_days,
            KmsKeyId=kms_key_arn,
            Metadata=scanner_metadata(RETENTION_BY_ENVIRONMENT),
            DeletionPolicy="Delete",
            UpdateReplacePolicy="Delete",
        )
    )
    role = template.add_resource(
        Role(
            "SyncWorkflowRole",
            PermissionsBoundary=permissions_boundary_arn(),
            Metadata=scanner_metadata(INLINE_POLICY),
            AssumeRolePolicyDocument=service_trust_policy("states.amazonaws.com"),
            Policies=[
                RolePolicy(
                    PolicyName="sync-workflow",
                    PolicyDocument=Policy(
                        Version="2012-10-17",
                        Statement=[
                            Statement(
                                Sid="InvokeSync",
                                Effect=Allow,
                                Action=[InvokeFunction],
                                Resource=[GetAtt(function, "Arn")],
                            ),
                            Statement(
                                Sid="PublishFailures",
                                Effect=Allow,
                                Action=[sns.Publish],
                                Resource=[Ref(topic)],
                            ),
                            kms_statement(kms_key_arn, [kms.GenerateDataKey, kms.Decrypt]),
                            Statement(
                                Sid="LogDelivery",
                                Effect=Allow,
                                Action=[
                                    logs_actions.CreateLogDelivery,
                                    logs_actions.GetLogDelivery,
                                    logs_actions.UpdateLogDelivery,
                                    logs_actions.DeleteLogDelivery,
                                    logs_actions.ListLogDeliveries,
                                    logs_actions.PutResourcePolicy,
                                    logs_actions.DescribeResourcePolicies,
                                    logs_actions.DescribeLogGroups,
                                ],
                                Resource=["*"],  # log delivery actions have no resource type
                            ),
                        ],
                    ),
                )
            ],
        )
    )
    return template.add_resource(
        StateMachine(
            "SyncWorkflow",
            StateMachineName=name,
            StateMachineType="STANDARD",
            RoleArn=GetAtt(role, "Arn"),
            Definition=definition(),
            DefinitionSubstitutions={
                "SyncFunctionArn": GetAtt(function, "Arn"),
                "FailureTopicArn": Ref(topic),
            },
            LoggingConfiguration=LoggingConfiguration(
                Level="ERROR",
                IncludeExecutionData=False,  # execution data holds row counts, not secrets,
                Destinations=[  # but nothing more is needed to act on an error
                    LogDestination(
                        CloudWatchLogsLogGroup=CloudWatchLogsLogGroup(
                            LogGroupArn=GetAtt(log_group, "Arn")
                        )
                    )
                ],
            ),
            TracingConfiguration=TracingConfiguration(Enabled=True),
        )
    )


def add_sync_schedule(
    template: Template, state_machine: StateMachine, rate: Ref, workflow_input: Sub, condition: str
) -> None:
    """The EventBridge rule that starts the workflow at `rate` with `workflow_input`, and the
    role it starts it with (both under `condition`)."""
    role = template.add_resource(
        Role(
            "SyncScheduleRole",
            PermissionsBoundary=permissions_boundary_arn(),
            Metadata=scanner_metadata(INLINE_POLICY),
            Condition=condition,
            AssumeRolePolicyDocument=service_trust_policy("events.amazonaws.com"),
            Policies=[
                RolePolicy(
                    PolicyName="start-sync",
                    PolicyDocument=Policy(
                        Version="2012-10-17",
                        Statement=[
                            Statement(
                                Sid="StartSync",
                                Effect=Allow,
                                Action=[states.StartExecution],
                                Resource=[Ref(state_machine)],
                            )
                        ],
                    ),
                )
            ],
        )
    )
    template.add_resource(
        Rule(
            "SyncScheduleRule",
            Condition=condition,
            Name=resource_name("sync-schedule"),
            Description="Starts the reference-data sync",
            ScheduleExpression=rate,
            State="ENABLED",
            Targets=[
                Target(
                    Id="sync-workflow",
                    Arn=Ref(state_machine),
                    RoleArn=GetAtt(role, "Arn"),
                    Input=workflow_input,
                )
            ],
        )
    )
