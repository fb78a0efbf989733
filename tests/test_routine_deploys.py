"""Routine prod deploys: within budget, and never replacing a stateful resource (the safety net).

The routine changes (a new validator image, a new migration file, an alarm threshold, a new
allow-listed table, any one routine parameter of any prod stack) are computed from the rendered
templates and the registry schemas cfn-lint ships (tapstack_tools.routine_budget). A change to
templates/ that would make one of them replace, create or delete a cluster, instance, key,
bucket or table in prod fails here, with the stack, the resource and the parameter named.
"""

import json

import pytest
from tapstack_tools.deploy_budget import ROUTINE_BEGIN, ROUTINE_END, embedded_tables
from tapstack_tools.output_flow import changed_outputs
from tapstack_tools.rendered_templates import PROJECT_DIR
from tapstack_tools.routine_budget import (
    ROUTINE_BUDGET_SECONDS,
    every_single_parameter_change,
    maintenance_deploys,
    markdown,
    routine_deploys,
)
from tapstack_tools.update_behaviour import (
    NO_INTERRUPTION,
    REPLACEMENT,
    SOME_INTERRUPTION,
    property_behaviour,
    referenced_names,
    touched_resources,
)

DOCUMENT = PROJECT_DIR / "docs" / "deploy-budget.md"


def test_the_document_embeds_the_computed_routine_budget():
    document = DOCUMENT.read_text(encoding="utf-8")
    assert embedded_tables(document, ROUTINE_BEGIN, ROUTINE_END) == markdown(), (
        "docs/deploy-budget.md is out of date with config/ and templates/: run "
        "`uv run --frozen tapstack-deploy-budget --write` and review the change"
    )


def test_no_routine_change_replaces_a_stateful_resource_in_prod():
    replaced = {
        f"{deploy.name} ({', '.join(deploy.parameters)})": deploy.replaced_stateful
        for deploy in every_single_parameter_change()
        if deploy.replaced_stateful
    }
    assert replaced == {}, (
        "a routine deploy would replace (or create/delete) a stateful resource in prod; make "
        "the property updatable in place or move the change out of the routine set"
    )


def test_every_routine_deploy_fits_its_budget():
    over = {d.name: d.seconds for d in routine_deploys() if d.seconds > ROUTINE_BUDGET_SECONDS}
    assert over == {}


def test_the_issues_routine_changes_are_all_budgeted():
    names = {d.name for d in routine_deploys()}
    assert {
        "a new validator image",
        "a new migration file",
        "an alarm threshold change",
        "a new allow-listed table",
    } <= names
    assert {n for n in names if n.startswith("one parameter of prod/")}


@pytest.mark.parametrize(
    ("resource_type", "name", "behaviour"),
    [
        pytest.param("AWS::RDS::DBCluster", "KmsKeyId", REPLACEMENT, id="cluster-key"),
        pytest.param("AWS::RDS::DBCluster", "BackupRetentionPeriod", NO_INTERRUPTION, id="backup"),
        pytest.param("AWS::RDS::DBInstance", "DBInstanceClass", SOME_INTERRUPTION, id="class"),
        pytest.param("AWS::S3::Bucket", "BucketName", REPLACEMENT, id="bucket-name"),
        pytest.param("AWS::Lambda::Function", "Code", NO_INTERRUPTION, id="lambda-image"),
        pytest.param("Custom::DatabaseMigration", "MigrationsKey", NO_INTERRUPTION, id="custom"),
    ],
)
def test_update_behaviour_comes_from_the_registry_schemas(resource_type, name, behaviour):
    assert property_behaviour(resource_type, name) == behaviour


def test_the_safety_net_sees_a_replacement_through_a_replaced_resource():
    # GIVEN a parameter that names a subnet group, which the cluster refers to by name
    document = json.loads(
        json.dumps(
            {
                "Parameters": {"Suffix": {"Type": "String"}, "Days": {"Type": "String"}},
                "Resources": {
                    "Group": {
                        "Type": "AWS::RDS::DBSubnetGroup",
                        "Properties": {"DBSubnetGroupName": {"Fn::Sub": "db-${Suffix}"}},
                    },
                    "Cluster": {
                        "Type": "AWS::RDS::DBCluster",
                        "Properties": {
                            "DBSubnetGroupName": {"Ref": "Group"},
                            "BackupRetentionPeriod": {"Ref": "Days"},
                        },
                    },
                },
            }
        )
    )
    # WHEN the name changes THEN the group is replaced, and with it the cluster
    assert touched_resources(document, {"Suffix"}) == {
        "Group": REPLACEMENT,
        "Cluster": REPLACEMENT,
    }
    # WHEN only the retention changes THEN the cluster is updated in place
    assert touched_resources(document, {"Days"}) == {"Cluster": NO_INTERRUPTION}


def test_a_change_reaches_the_stacks_that_read_the_outputs_it_moves():
    # GIVEN the engine version, a parameter of the cluster stacks only
    (engine,) = [d for d in maintenance_deploys() if d.parameters == ("EngineVersion",)]
    # THEN the instances of the database stack, which read the cluster stack's replaced
    # instance parameter group through !stack_output, are in the deploy too
    instances = {change.logical_id for change in engine.changes["prod/us-east-1/database"]}
    assert {"WriterInstance", "ReaderInstance"} <= instances
    assert engine.stack_seconds["prod/us-east-1/database"] > 0


def test_outputs_a_change_moves_are_the_ones_that_refer_to_it():
    document = {
        "Outputs": {
            "GroupName": {"Value": {"Ref": "Group"}},
            "Port": {"Value": {"Fn::GetAtt": ["Cluster", "Endpoint.Port"]}},
            "Passed": {"Value": {"Ref": "Days"}},
        }
    }
    names = lambda value: referenced_names(value, set())  # noqa: E731 - the routine budget's own walk
    assert changed_outputs(document, {"Group"}, names) == {"GroupName"}
    assert changed_outputs(document, {"Days"}, names) == {"Passed"}
    assert changed_outputs(document, {"Other"}, names) == set()
