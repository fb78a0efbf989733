"""The sync template: the workflow's steps, the schedule's switch, the allowlist as a parameter,
the function's role and encryption, and the monitoring alarms that watch it by name."""

import json

import monitoring
import pytest
import sync
from tapstack_hooks.cfn_lint import lint_findings


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(sync.sceptre_handler({}))


def resources(document: dict, type_name: str) -> dict[str, dict]:
    return {k: v for k, v in document["Resources"].items() if v["Type"] == type_name}


def test_is_cfn_lint_clean(document):
    assert lint_findings(json.dumps(document), "us-east-1") == []


def test_bad_user_data_is_refused():
    with pytest.raises(Exception, match=r"sceptre_user_data\.tables"):
        sync.sceptre_handler({"tables": ["currencies"]})


def test_workflow_checks_schemas_syncs_each_table_with_retries_verifies_and_notifies(document):
    (machine,) = resources(document, "AWS::StepFunctions::StateMachine").values()
    states = machine["Properties"]["Definition"]["States"]
    processor = states["EachTarget"]["ItemProcessor"]
    per_target = processor["States"]
    assert processor["StartAt"] == "CheckSchemas"
    assert per_target["CheckSchemas"]["Next"] == "SyncEachTable"
    assert per_target["SyncEachTable"]["Next"] == "VerifyChecksums"
    assert per_target["CheckSchemas"]["Parameters"]["Payload"]["dry_run"] is True
    sync_table = per_target["SyncEachTable"]["ItemProcessor"]["States"]["SyncTable"]
    assert sync_table["Parameters"]["Payload"]["tables.$"] == "States.Array($.table)"
    # tables in the order of the schema check's plan: parents first by foreign keys
    assert per_target["SyncEachTable"]["ItemsPath"] == "$.schema_check.report.tables"
    assert sync_table["Retry"][0]["MaxAttempts"] >= 2
    assert "TableApplyError" in sync_table["Retry"][0]["ErrorEquals"]
    assert per_target["NothingLeftToChange"]["Choices"][0]["Variable"] == (
        "$.verified.report.rows_changed"
    )
    assert states["EachTarget"]["Catch"][0]["Next"] == "Notify"
    assert states["Notify"]["Resource"] == "arn:aws:states:::sns:publish"
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    assert substitutions["FailureTopicArn"] == {"Ref": "FailureTopic"}
    assert substitutions["SyncFunctionArn"] == {"Fn::GetAtt": ["SyncFunction", "Arn"]}


def test_schedule_rate_is_a_parameter_and_a_condition_switches_it_off(document):
    assert document["Conditions"]["EnableSchedule"] == {
        "Fn::Equals": [{"Ref": "SyncScheduleEnabled"}, "true"]
    }
    (rule,) = resources(document, "AWS::Events::Rule").values()
    assert rule["Condition"] == "EnableSchedule"
    assert rule["Properties"]["ScheduleExpression"] == {"Ref": "SyncSchedule"}
    target = rule["Properties"]["Targets"][0]
    assert target["Arn"] == {"Ref": "SyncWorkflow"}
    assert "${Tables}" in target["Input"]["Fn::Sub"][0]
    assert target["Input"]["Fn::Sub"][1]["Tables"] == {"Fn::Join": [",", {"Ref": "SyncTables"}]}


def test_allowlist_comes_in_as_a_parameter_only(document):
    assert document["Parameters"]["SyncTables"]["Type"] == "CommaDelimitedList"
    text = json.dumps(document)
    for table in ("currencies", "fee_schedules", "merchant_categories", "transactions"):
        assert table not in text
    environment = document["Resources"]["SyncFunction"]["Properties"]["Environment"]["Variables"]
    assert environment["SYNC_ALLOWLIST"] == {"Fn::Join": [",", {"Ref": "SyncTables"}]}


def test_function_runs_in_the_private_subnets_as_the_iam_stacks_sync_role(document):
    function = document["Resources"]["SyncFunction"]["Properties"]
    assert function["Role"] == {"Ref": "SyncRoleArn"}
    assert function["PackageType"] == "Image"
    assert function["VpcConfig"]["SubnetIds"] == {"Ref": "PrivateSubnetIds"}
    assert function["KmsKeyArn"] == {"Ref": "KmsKeyArn"}
    assert function["ReservedConcurrentExecutions"] == 1
    assert not resources(document, "AWS::IAM::Role").keys() & {"SyncFunctionRole"}
    policy = document["Resources"]["SyncFunctionPolicy"]["Properties"]
    assert policy["Roles"] == [{"Fn::Select": [1, {"Fn::Split": ["/", {"Ref": "SyncRoleArn"}]}]}]
    roles = json.loads(
        json.dumps(function["Environment"]["Variables"]["SYNC_TARGET_ROLES"]["Fn::Sub"])
    )
    assert json.loads(roles) == {
        "dev": "${DevSyncTargetRoleArn}",
        "staging": "${StagingSyncTargetRoleArn}",
    }


def test_log_groups_have_retention_and_the_key(document):
    for name, group in resources(document, "AWS::Logs::LogGroup").items():
        assert group["Properties"]["KmsKeyId"] == {"Ref": "KmsKeyArn"}, name
        assert group["Properties"]["RetentionInDays"], name
    (topic,) = resources(document, "AWS::SNS::Topic").values()
    assert topic["Properties"]["KmsMasterKeyId"] == {"Ref": "KmsKeyArn"}


def test_monitoring_watches_the_sync_function_by_its_name():
    alarms = json.loads(monitoring.sceptre_handler({}))["Resources"]
    errors = alarms["SyncErrorsAlarm"]["Properties"]["Dimensions"][0]["Value"]
    assert errors == {"Fn::Sub": "tapstack-sync-${EnvironmentName}-${EnvironmentSuffix}"}
    lag = alarms["SyncLagAlarm"]["Properties"]["Metrics"]
    dimensions = [m["MetricStat"]["Metric"]["Dimensions"] for m in lag if "MetricStat" in m]
    assert {d[1]["Value"] for d in dimensions} == set(sync.SYNC_TARGETS)
    assert {d[0]["Value"] for d in dimensions} == {"tapstack-sync"}  # Powertools' service
