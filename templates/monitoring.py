"""monitoring stack: the alarms that guard an environment, and the topic they notify.

Launched before the stacks it guards: every alarm addresses its metric by the naming convention
(`tapstack-{resource}-{env}-{suffix}`), so it exists before the function or cluster does. The
`rollback_triggers` hook wires the outputs below into the database and compute stacks'
RollbackConfiguration. Alarms:

- DatabaseConnections: connections to the Aurora cluster above a threshold (every env).
- ReplicaLag: Aurora replica lag above a threshold (prod: the only env with a reader).
- ValidatorErrorRate: validator Lambda errors / invocations, in percent (metric math).
- SyncLag: the sync Lambda's `SyncLagSeconds` above 60 s for any target (prod).
- SyncErrors: the sync Lambda's errors (prod).
"""

from pydantic import BaseModel, ConfigDict
from tapstack_blocks.alarms import (
    SYNC_FUNCTION,
    VALIDATOR_FUNCTION,
    AlarmSpec,
    add_alarm,
    cluster_metric,
    lambda_metric,
    sync_metric,
)
from tapstack_blocks.handler import render
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import (
    ENVIRONMENTS,
    add_environment_parameters,
    add_is_prod_condition,
    add_kms_key_arn_parameter,
)
from tapstack_blocks.topics import add_alarm_publishing_policy, add_encrypted_topic
from troposphere import GetAtt, If, Join, Parameter, Ref, Template

# The sync pushes from prod to every other environment.
SYNC_TARGETS = tuple(env for env in ENVIRONMENTS if env != "prod")
FIVE_MINUTES = 300


class MonitoringOptions(BaseModel):
    """The monitoring template takes no sceptre_user_data; anything given is an error."""

    model_config = ConfigDict(extra="forbid")


def build(_options: MonitoringOptions) -> Template:
    """The monitoring stack's template."""
    template = Template(Description="tapstack monitoring: alarms and the alarm topic")
    add_environment_parameters(template)
    is_prod = add_is_prod_condition(template)
    kms_key_arn = Ref(add_kms_key_arn_parameter(template))
    thresholds = _add_threshold_parameters(template)
    topic = add_encrypted_topic(template, "AlarmTopic", "alarms", kms_key_arn)
    add_alarm_publishing_policy(template, topic)
    alarms = {
        spec.logical_id: add_alarm(template, spec, Ref(topic))
        for spec in _alarm_specs(thresholds, is_prod)
    }
    arn = {logical_id: GetAtt(alarm, "Arn") for logical_id, alarm in alarms.items()}
    add_exported_output(template, "AlarmTopicArn", Ref(topic), "Topic every alarm notifies")
    add_exported_output(
        template,
        "DatabaseAlarmArns",
        Join(
            ",",
            If(
                is_prod,
                [arn["DatabaseConnectionsAlarm"], arn["ReplicaLagAlarm"]],
                [arn["DatabaseConnectionsAlarm"]],
            ),
        ),
        "Rollback triggers of the cluster and database stacks (comma-separated alarm ARNs)",
    )
    add_exported_output(
        template,
        "ComputeAlarmArns",
        Join(",", [arn["ValidatorErrorRateAlarm"]]),
        "Rollback triggers of the compute stack (comma-separated alarm ARNs)",
    )
    add_exported_output(
        template,
        "SyncAlarmArns",
        Join(",", [arn["SyncLagAlarm"], arn["SyncErrorsAlarm"]]),
        "Alarms on the sync (prod; comma-separated alarm ARNs)",
        condition=is_prod,
    )
    return template


def _add_threshold_parameters(template: Template) -> dict[str, Parameter]:
    specs = {
        "SyncLagThresholdSeconds": (60, 1, 86400, "Sync lag (seconds) above which SyncLag fires"),
        "ValidatorErrorRatePercent": (5, 0, 100, "Validator error rate (%) that fires the alarm"),
        "DatabaseConnectionsThreshold": (
            800,
            1,
            16000,
            "Aurora connections above which DatabaseConnections fires",
        ),
        "ReplicaLagThresholdMilliseconds": (
            1000,
            1,
            600000,
            "Aurora replica lag (ms) above which ReplicaLag fires (prod)",
        ),
    }
    return {
        name: template.add_parameter(
            Parameter(
                name,
                Type="Number",
                Default=default,
                MinValue=low,
                MaxValue=high,
                Description=description,
                ConstraintDescription=f"must be a number from {low} to {high}",
            )
        )
        for name, (default, low, high, description) in specs.items()
    }


def _alarm_specs(thresholds: dict[str, Parameter], is_prod: str) -> list[AlarmSpec]:
    sync_lag = [sync_metric("SyncLagSeconds", target) for target in SYNC_TARGETS]
    return [
        AlarmSpec(
            "DatabaseConnectionsAlarm",
            "aurora-connections",
            "Connections to the Aurora cluster are above the threshold: a connection leak or a "
            "traffic surge (docs/operations.md#databaseconnections).",
            Ref(thresholds["DatabaseConnectionsThreshold"]),
            [cluster_metric("DatabaseConnections")],
            period_seconds=FIVE_MINUTES,
        ),
        AlarmSpec(
            "ReplicaLagAlarm",
            "aurora-replica-lag",
            "The Aurora reader lags the writer by more than the threshold "
            "(docs/operations.md#replicalag).",
            Ref(thresholds["ReplicaLagThresholdMilliseconds"]),
            [cluster_metric("AuroraReplicaLagMaximum")],
            evaluation_periods=3,
            condition=is_prod,
        ),
        AlarmSpec(
            "ValidatorErrorRateAlarm",
            "validator-error-rate",
            "More than the threshold percentage of validator invocations failed "
            "(docs/operations.md#validatorerrorrate).",
            Ref(thresholds["ValidatorErrorRatePercent"]),
            [
                lambda_metric(VALIDATOR_FUNCTION, "Errors", "errors"),
                lambda_metric(VALIDATOR_FUNCTION, "Invocations", "invocations"),
            ],
            expression="100 * errors / invocations",
            period_seconds=FIVE_MINUTES,
        ),
        AlarmSpec(
            "SyncLagAlarm",
            "sync-lag",
            "A sync committed data more than the threshold (60 s) older than prod's snapshot, "
            "for some target (docs/operations.md#synclag).",
            Ref(thresholds["SyncLagThresholdSeconds"]),
            sync_lag,
            expression=f"MAX([{', '.join(metric.query_id for metric in sync_lag)}])",
            period_seconds=FIVE_MINUTES,
            condition=is_prod,
        ),
        AlarmSpec(
            "SyncErrorsAlarm",
            "sync-errors",
            "The sync Lambda failed (docs/operations.md#syncerrors).",
            0,
            [lambda_metric(SYNC_FUNCTION, "Errors")],
            period_seconds=FIVE_MINUTES,
            condition=is_prod,
        ),
    ]


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("monitoring", MonitoringOptions, build, sceptre_user_data)
