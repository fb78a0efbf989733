"""The iam stack: exact principals, an ExternalId, least privilege with explicit resources."""

import json
import re

import pytest
from tapstack_tools.deployment import stacks_of
from tapstack_tools.rendered_templates import PROJECT_DIR

PROD, STAGING, DEV = "333333333333", "222222222222", "111111111111"


def role(documents: dict, group: str, logical_id: str) -> dict:
    return documents[f"{group}/iam"]["Resources"][logical_id]


def statements(resource: dict) -> dict[str, dict]:
    (policy,) = resource["Properties"]["Policies"]
    return {s.get("Sid"): s for s in policy["PolicyDocument"]["Statement"]}


@pytest.mark.parametrize("group", ["dev/us-east-1", "staging/us-east-1", "prod/us-east-1"])
def test_deploy_role_trusts_exactly_the_deployer(documents, group):
    deploy = role(documents, group, "DeployRole")
    assert deploy["Properties"]["RoleName"] == {"Fn::Sub": "tapstack-deploy-${EnvironmentName}"}
    (trust,) = deploy["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": [{"Ref": "DeployerPrincipalArn"}]}
    assert "PermissionsBoundary" not in deploy["Properties"]  # created by the account's admin
    grants = {sid: s for sid, s in statements(deploy).items() if s["Effect"] == "Allow"}
    # two grants beyond the project's roles and policies, each as narrow as IAM allows:
    linked = grants.pop("CreateOnlyTheServiceLinkedRolesTheStacksNeed")
    assert linked["Action"] == ["iam:CreateServiceLinkedRole"]
    assert linked["Condition"] == {"StringEquals": {"iam:AWSServiceName": ["rds.amazonaws.com"]}}
    listing = grants.pop("ListRolesAsRdsDoes")
    assert (listing["Action"], listing["Resource"]) == (["iam:ListRoles"], ["*"])
    for sid, statement in grants.items():  # every other grant: the project's roles or policies
        for resource in statement["Resource"]:
            assert resource["Fn::Sub"].endswith((":role/tapstack-*", ":policy/tapstack-*")), sid


def test_sync_target_role_trusts_the_sync_role_with_an_external_id_and_reads_one_secret(documents):
    target = role(documents, "staging/us-east-1", "SyncTargetRole")
    assert target["Condition"] == "IsSyncTarget"
    (trust,) = target["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": [{"Ref": "SyncSourceRoleArn"}]}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "SyncExternalId"}}}
    found = statements(target)
    assert set(found) == {"SyncWriterSecret", "DecryptWithEnvironmentKeyViaSecretsManager"}
    secret = found["SyncWriterSecret"]
    assert sorted(secret["Action"]) == [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
    ]
    (secret_arn,) = secret["Resource"]
    assert secret_arn["Fn::Sub"].endswith(
        ":secret:tapstack/${EnvironmentName}/${EnvironmentSuffix}/db/sync-??????"
    )
    decrypt = found["DecryptWithEnvironmentKeyViaSecretsManager"]
    assert decrypt["Action"] == ["kms:Decrypt"]
    assert decrypt["Condition"]["ForAnyValue:StringEquals"] == {
        "kms:ResourceAliases": {"Fn::Sub": "alias/tapstack-${EnvironmentName}"}
    }
    assert decrypt["Condition"]["StringEquals"] == {
        "kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}
    }


def test_sync_role_may_assume_exactly_the_targets(documents):
    sync = role(documents, "prod/us-east-1", "SyncRole")
    assert sync["Condition"] == "IsProd"
    assert sync["Properties"]["RoleName"] == {"Fn::Sub": "tapstack-sync-${EnvironmentName}"}
    (trust,) = sync["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnEquals": {
            "aws:SourceArn": {
                "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:"
                "function:tapstack-sync-${EnvironmentName}-${EnvironmentSuffix}"
            }
        },
    }
    assume = statements(sync)["SyncTargetsOnly"]
    assert assume["Action"] == ["sts:AssumeRole"]
    assert assume["Resource"] == {"Ref": "SyncTargetRoleArns"}
    # and only from the sync function's own code (Lambda's credential context)
    source = trust["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert assume["Condition"] == {"ArnEquals": {"lambda:SourceFunctionArn": source}}
    outputs = documents["prod/us-east-1/iam"]["Outputs"]
    assert {"SyncRoleArn", "SyncRoleName", "SyncTargetRoleArn", "DeployRoleArn"} <= set(outputs)


def test_the_sync_roles_source_arn_is_the_sync_functions_name(documents):
    function = documents["prod/us-east-1/sync"]["Resources"]["SyncFunction"]["Properties"]
    assert function["FunctionName"] == {
        "Fn::Sub": "tapstack-sync-${EnvironmentName}-${EnvironmentSuffix}"
    }


def test_config_names_the_exact_roles():
    (prod_iam,) = [s for s in stacks_of("prod/us-east-1") if s.name.endswith("/iam")]
    parameters = prod_iam.parameters
    assert parameters["SyncTargetRoleArns"] == [
        f"arn:aws:iam::{STAGING}:role/tapstack-sync-target-staging",
        f"arn:aws:iam::{DEV}:role/tapstack-sync-target-dev",
    ]
    (staging_iam,) = [s for s in stacks_of("staging/us-east-1") if s.name.endswith("/iam")]
    assert (
        staging_iam.parameters["SyncSourceRoleArn"]
        == f"arn:aws:iam::{PROD}:role/tapstack-sync-prod"
    )
    assert len(staging_iam.parameters["SyncExternalId"]) >= 16


def test_peering_accepter_role_trusts_prods_deployer_and_may_only_accept_and_publish(documents):
    accepter = role(documents, "staging/us-east-1", "PeeringAccepterRole")
    assert accepter["Condition"] == "IsPeeringAccepter"
    assert accepter["Properties"]["RoleName"] == {
        "Fn::Sub": "tapstack-peering-accepter-${EnvironmentName}"
    }
    (trust,) = accepter["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": [{"Ref": "PeeringRequesterPrincipalArn"}]}
    found = statements(accepter)
    assert {sid: s["Action"] for sid, s in found.items()} == {
        "ReadNetworkAndClusterStackOutputs": ["cloudformation:DescribeStacks"],
        "AcceptPeeringRequestedByProd": ["ec2:AcceptVpcPeeringConnection"],
        "PublishPeeringConnectionIds": [
            "ssm:PutParameter",
            "ssm:GetParameter",
            "ssm:DeleteParameter",
        ],
    }
    # the VPC to peer with, and where the sync's target database is (the cluster stack's
    # endpoint and port): those two stacks only, not the database stack any more
    network, cluster = found["ReadNetworkAndClusterStackOutputs"]["Resource"]
    assert network["Fn::Sub"].endswith(":stack/tapstack-${EnvironmentName}-*-network/*")
    assert cluster["Fn::Sub"].endswith(":stack/tapstack-${EnvironmentName}-*-cluster/*")
    readable = json.dumps(found["ReadNetworkAndClusterStackOutputs"]["Resource"])
    assert "-database/" not in readable and "-users/" not in readable
    # and those are exactly the stacks prod's deploy reads through this role
    read_across = {
        stack
        for path in (PROJECT_DIR / "config" / "prod").rglob("*.yaml")
        for stack in re.findall(
            r"!stack_output_cross_account\s*\n(?:\s+\w+: .*\n)*?\s+stack: (\w+)",
            path.read_text(),
        )
    }
    assert read_across == {"network", "cluster"}
    requester = found["AcceptPeeringRequestedByProd"]["Condition"]["ArnLike"]["ec2:RequesterVpc"]
    assert requester["Fn::Sub"][0] == "arn:${AWS::Partition}:ec2:*:${Prod}:vpc/*"
    assert requester["Fn::Sub"][1] == {"Prod": {"Ref": "PeeringRequesterAccountId"}}
    (parameters,) = found["PublishPeeringConnectionIds"]["Resource"]
    assert parameters["Fn::Sub"].endswith(":parameter/tapstack/${EnvironmentName}/*/peering/*")
    assert "PeeringAccepterRoleArn" in documents["staging/us-east-1/iam"]["Outputs"]
