"""The registry and compute templates: an immutable, scanned, encrypted repository; a validator
pinned by digest in the private subnets with least privilege; an encrypted sessions table."""

import json
import re

import compute
import pytest
import registry
from sceptre.exceptions import TemplateSceptreHandlerError
from tapstack_hooks.cfn_lint import lint_findings
from tapstack_validator.database import LEAVES as VALIDATOR_READS
from tapstack_validator.sessions import EXPIRES_AT

DIGEST = "sha256:" + "ab" * 32


@pytest.fixture(scope="module")
def compute_document() -> dict:
    return json.loads(compute.sceptre_handler({}))


@pytest.fixture(scope="module")
def registry_document() -> dict:
    return json.loads(registry.sceptre_handler({"functions": ["validator", "secure-parameter"]}))


def statements_of(document: dict, role: str) -> dict[str, dict]:
    policy = document["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]
    return {statement["Sid"]: statement for statement in policy["Statement"]}


def test_both_are_cfn_lint_clean(compute_document, registry_document):
    assert lint_findings(json.dumps(compute_document), "us-east-1") == []
    assert lint_findings(json.dumps(registry_document), "us-east-1") == []


def test_repository_is_immutable_scanned_encrypted_and_pruned(registry_document):
    repository = registry_document["Resources"]["ValidatorRepository"]["Properties"]
    assert repository["ImageTagMutability"] == "IMMUTABLE"
    assert repository["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert repository["EncryptionConfiguration"] == {
        "EncryptionType": "KMS",
        "KmsKey": {"Ref": "KmsKeyArn"},
    }
    text, variables = repository["LifecyclePolicy"]["LifecyclePolicyText"]["Fn::Sub"]
    assert variables == {"Keep": {"Ref": "KeepImages"}}
    (rule,) = json.loads(text.replace("${Keep}", "20"))["rules"]
    assert rule["selection"] == {
        "tagStatus": "any",
        "countType": "imageCountMoreThan",
        "countNumber": 20,
    }
    assert rule["action"] == {"type": "expire"}


def test_only_lambda_pulls_and_only_for_tapstack_functions_of_this_account(registry_document):
    repository = registry_document["Resources"]["ValidatorRepository"]["Properties"]
    (statement,) = repository["RepositoryPolicyText"]["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert statement["Action"] == ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    assert statement["Condition"]["StringEquals"] == {
        "aws:SourceAccount": {"Ref": "AWS::AccountId"}
    }


@pytest.mark.parametrize(
    ("uri", "accepted"),
    [
        pytest.param(f"111111111111.dkr.ecr.us-east-1.amazonaws.com/repo@{DIGEST}", True, id="ok"),
        pytest.param(
            f"111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn/ns/repo@{DIGEST}", True, id="cn"
        ),
        pytest.param("111111111111.dkr.ecr.us-east-1.amazonaws.com/repo:v1", False, id="tag"),
        pytest.param(f"docker.io/library/repo@{DIGEST}", False, id="not-ecr"),
        pytest.param(
            "111111111111.dkr.ecr.us-east-1.amazonaws.com/repo@sha256:abc", False, id="short"
        ),
    ],
)
def test_image_parameter_takes_digests_only(compute_document, uri, accepted):
    pattern = compute_document["Parameters"]["ValidatorImageUri"]["AllowedPattern"]
    assert bool(re.match(pattern, uri)) is accepted


def test_validator_is_an_image_in_the_private_subnets_with_dlq_and_reserved_concurrency(
    compute_document,
):
    resources = compute_document["Resources"]
    function = resources["ValidatorFunction"]["Properties"]
    assert function["PackageType"] == "Image"
    assert function["Code"] == {"ImageUri": {"Ref": "ValidatorImageUri"}}
    assert "Runtime" not in function and "Handler" not in function
    assert function["FunctionName"] == {
        "Fn::Sub": "tapstack-validator-${EnvironmentName}-${EnvironmentSuffix}"
    }
    assert function["VpcConfig"] == {
        "SubnetIds": {"Ref": "PrivateSubnetIds"},
        "SecurityGroupIds": [{"Ref": "LambdaSecurityGroupId"}],
    }
    assert function["ReservedConcurrentExecutions"] == {"Ref": "ValidatorReservedConcurrency"}
    assert function["DeadLetterConfig"] == {
        "TargetArn": {"Fn::GetAtt": ["ValidatorDeadLetterQueue", "Arn"]}
    }
    assert function["KmsKeyArn"] == {"Ref": "KmsKeyArn"}
    assert function["Environment"]["Variables"] == {
        "DATABASE_PARAMETERS_PATH": {"Fn::Sub": "/tapstack/${EnvironmentName}/db"},
        "DATABASE_SECRET_ID": {
            "Fn::Sub": "tapstack/${EnvironmentName}/${EnvironmentSuffix}/db/validator"
        },
        "SESSIONS_TABLE": {"Ref": "SessionsTable"},
    }
    queue = resources["ValidatorDeadLetterQueue"]["Properties"]
    assert queue["KmsMasterKeyId"] == {"Ref": "KmsKeyArn"}
    log_group = resources["ValidatorFunctionLogGroup"]["Properties"]
    assert log_group["KmsKeyId"] == {"Ref": "KmsKeyArn"}
    assert log_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_validator_role_is_least_privilege(compute_document):
    statements = statements_of(compute_document, "ValidatorFunctionRole")
    assert set(statements) == {
        "OwnLogGroup",
        "VpcNetworkInterfaces",
        "DescribeNetworkInterfaces",
        "ConnectionParameters",
        "DatabaseSecret",
        "SessionState",
        "DeadLetters",
        "EnvironmentKey",
    }
    # GetParameters on exactly the parameters the validator reads (no path, no wildcard)
    path = (
        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
        "/tapstack/${EnvironmentName}/db/"
    )
    assert statements["ConnectionParameters"]["Action"] == ["ssm:GetParameters"]
    assert statements["ConnectionParameters"]["Resource"] == [
        {"Fn::Sub": path + leaf} for leaf in ("writer-dns", "port", "name")
    ]
    assert set(compute.CONNECTION_PARAMETERS) == set(VALIDATOR_READS)
    # its own user's secret (SELECT on the reference tables), never the master secret
    secret = statements["DatabaseSecret"]
    assert secret["Action"] == ["secretsmanager:GetSecretValue"]
    assert secret["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:"
            "secret:tapstack/${EnvironmentName}/${EnvironmentSuffix}/db/validator-??????"
        }
    ]
    assert "Condition" not in secret
    assert statements["SessionState"] == {
        "Sid": "SessionState",
        "Effect": "Allow",
        "Action": ["dynamodb:UpdateItem"],
        "Resource": [{"Fn::GetAtt": ["SessionsTable", "Arn"]}],
    }
    assert statements["DeadLetters"]["Action"] == ["sqs:SendMessage"]
    assert statements["EnvironmentKey"]["Resource"] == [{"Ref": "KmsKeyArn"}]
    wildcards = [sid for sid, s in statements.items() if "*" in s["Resource"]]
    assert wildcards == ["DescribeNetworkInterfaces"]  # the action has no resource type


def test_sessions_table_is_on_demand_recoverable_encrypted_and_expiring(compute_document):
    table = compute_document["Resources"]["SessionsTable"]
    properties = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": {"Ref": "KmsKeyArn"},
    }
    # the attribute the validator writes is the one the table expires items by
    assert properties["TimeToLiveSpecification"] == {"AttributeName": EXPIRES_AT, "Enabled": True}
    assert table["DeletionPolicy"] == "Delete"


def test_each_function_of_the_group_gets_its_repository_and_output(registry_document):
    resources, outputs = registry_document["Resources"], registry_document["Outputs"]
    assert sorted(resources) == ["SecureParameterRepository", "ValidatorRepository"]
    assert sorted(outputs) == ["SecureParameterRepositoryName", "ValidatorRepositoryName"]
    name = resources["SecureParameterRepository"]["Properties"]["RepositoryName"]
    assert name == {"Fn::Sub": "tapstack-secure-parameter-${EnvironmentName}-${EnvironmentSuffix}"}


@pytest.mark.parametrize(
    ("functions", "message"),
    [
        pytest.param(["validator", "validator"], "more than once", id="twice"),
        pytest.param(["validatr"], "validatr", id="unknown"),
        pytest.param([], "at least 1", id="none"),
    ],
)
def test_a_bad_function_list_is_one_clear_error(functions, message):
    with pytest.raises(TemplateSceptreHandlerError, match=message):
        registry.sceptre_handler({"functions": functions})
