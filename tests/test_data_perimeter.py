"""The data perimeter of every VPC (docs/security.md, "Data perimeter"): each endpoint policy
(the S3 gateway in the network stack, the interface endpoints in the endpoints stack),
evaluated with the parameters its stack is launched with, admits this account's principals on
this account's resources and, in prod/us-east-1 only, the sync's two cross-account calls for
exactly the sync-target roles; the Lambda tier reaches S3 through S3's managed prefix list; the
default security group of every VPC is emptied by the database stack."""

import fnmatch
import re

import pytest
from sceptre.context import SceptreContext
from sceptre.plan.plan import SceptrePlan
from tapstack_resolvers.account_role import AccountRole
from tapstack_tools.reachability import Evaluator, Facts, StackInput, Unknown
from tapstack_tools.rendered_templates import PROJECT_DIR

ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}
OUTSIDER = "999999999999"
SERVICES = {"s3", "secretsmanager", "ssm", "sts", "kms", "logs", "ec2"}
ANY_ACTION = {
    "s3": "s3:GetObject",
    "secretsmanager": "secretsmanager:GetSecretValue",
    "ssm": "ssm:GetParameter",
    "sts": "sts:AssumeRole",
    "kms": "kms:Decrypt",
    "logs": "logs:PutLogEvents",
    "ec2": "ec2:RevokeSecurityGroupEgress",
}


def role(environment: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNTS[environment]}:role/{name}-{environment}"


def _value(value):
    if isinstance(value, list):
        return [_value(item) for item in value]
    if isinstance(value, AccountRole):
        return value.resolve()  # from the accounts map only
    return value if isinstance(value, str) else Unknown(str(value))


@pytest.fixture(scope="module")
def endpoints(documents) -> dict[str, dict[str, dict]]:
    """{stack group (a VPC): {service: evaluated endpoint policy}}, from its network and
    endpoints stacks."""
    context = SceptreContext(
        project_path=str(PROJECT_DIR), command_path="", ignore_dependencies=True
    )
    found: dict[str, dict[str, dict]] = {}
    for stack in SceptrePlan(context).command_stacks:
        group, _, kind = stack.name.rpartition("/")
        if kind not in ("network", "endpoints"):
            continue
        environment = stack.stack_group_config["environment"]
        assert ACCOUNTS[environment] == str(stack.stack_group_config["accounts"][environment])
        stack_input = StackInput(
            name=stack.name,
            environment=environment,
            region=stack.region,
            document=documents[stack.name],
            parameters={k: _value(v) for k, v in stack._parameters.items()},
        )
        facts = Facts(accounts=ACCOUNTS, prod_cidrs=[], other_cidrs=[], sync_subnets=[])
        resources = Evaluator(stack_input, facts).resources()
        policies = {
            props["ServiceName"].rsplit(".", 1)[1]: props.get("PolicyDocument")
            for props in (
                r["Properties"] for r in resources.values() if r["Type"] == "AWS::EC2::VPCEndpoint"
            )
        }
        services = found.setdefault(group, {})
        assert not services.keys() & policies.keys(), (stack.name, "an endpoint in two stacks")
        services |= policies
    assert len(found) == 4, found.keys()
    return found


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _holds(operator: str, key: str, expected, context: dict[str, str]) -> bool:
    actual = context.get(key)
    wanted = _listed(expected)
    if actual is None or any(isinstance(w, Unknown) for w in wanted):
        return False  # a value only AWS knows never admits anything here
    if operator in ("StringEquals", "ArnEquals"):
        return actual in wanted
    raise AssertionError(f"operator {operator} is not evaluated by this test")


def allowed(policy: dict, action: str, resource: str, context: dict[str, str]) -> bool:
    """Does an Allow statement of the endpoint policy admit the request?"""
    assert policy, "endpoint without a policy: it admits everything"
    for statement in _listed(policy["Statement"]):
        assert statement["Effect"] == "Allow"
        if not any(fnmatch.fnmatchcase(action, a) for a in _listed(statement["Action"])):
            continue
        resources = _listed(statement["Resource"])
        if any(isinstance(r, Unknown) for r in resources):
            continue
        if not any(fnmatch.fnmatchcase(resource, r) for r in resources):
            continue
        conditions = statement.get("Condition", {})
        if all(
            _holds(operator, key, expected, context)
            for operator, checks in conditions.items()
            for key, expected in checks.items()
        ):
            return True
    return False


def request(principal_account: str, resource_account: str, principal_arn: str = "") -> dict:
    context = {"aws:PrincipalAccount": principal_account, "aws:ResourceAccount": resource_account}
    return {**context, "aws:PrincipalArn": principal_arn} if principal_arn else context


def test_every_endpoint_admits_this_accounts_principals_on_its_resources(endpoints):
    for name, policies in endpoints.items():
        own = ACCOUNTS[name.split("/")[0]]
        assert set(policies) == SERVICES, name
        for service, policy in policies.items():
            resource = f"arn:aws:{service}:us-east-1:{own}:thing/x"
            assert allowed(policy, ANY_ACTION[service], resource, request(own, own)), (
                name,
                service,
            )


@pytest.mark.parametrize(
    ("principal", "resource"),
    [
        pytest.param(OUTSIDER, "own", id="someone-elses-credentials"),
        pytest.param("own", OUTSIDER, id="someone-elses-resource"),
        pytest.param(OUTSIDER, OUTSIDER, id="all-foreign"),
    ],
)
def test_every_endpoint_refuses_other_accounts(endpoints, principal, resource):
    for name, policies in endpoints.items():
        own = ACCOUNTS[name.split("/")[0]]
        context = request(
            own if principal == "own" else principal, own if resource == "own" else resource
        )
        for service, policy in policies.items():
            target = f"arn:aws:{service}:us-east-1:{context['aws:ResourceAccount']}:thing/x"
            assert not allowed(policy, ANY_ACTION[service], target, context), (name, service)


def test_prod_sts_admits_exactly_the_sync_target_roles(endpoints):
    prod = ACCOUNTS["prod"]
    for name, policies in endpoints.items():
        sts = policies["sts"]
        for target in ("staging", "dev"):
            sync_target = role(target, "tapstack-sync-target")
            context = request(prod, ACCOUNTS[target])
            admitted = allowed(sts, "sts:AssumeRole", sync_target, context)
            assert admitted == (name == "prod/us-east-1"), (name, target)
            # no other role of that account, and no other action on the sync-target role
            assert not allowed(sts, "sts:AssumeRole", role(target, "tapstack-deploy"), context)
            assert not allowed(sts, "sts:TagSession", sync_target, context)
            # nor that role assumed by anyone but this account's principals
            assert not allowed(
                sts, "sts:AssumeRole", sync_target, request(OUTSIDER, ACCOUNTS[target])
            )


def test_prod_secrets_manager_admits_the_sync_target_roles_reading_their_secret(endpoints):
    for name, policies in endpoints.items():
        secrets = policies["secretsmanager"]
        # from every VPC but the target's own (where its own roles read its own secrets)
        for target in {"staging", "dev"} - {name.split("/")[0]}:
            account = ACCOUNTS[target]
            secret = f"arn:aws:secretsmanager:us-east-1:{account}:secret:tapstack/{target}/x"
            as_target = request(account, account, role(target, "tapstack-sync-target"))
            admitted = allowed(secrets, "secretsmanager:GetSecretValue", secret, as_target)
            assert admitted == (name == "prod/us-east-1"), (name, target)
            assert not allowed(secrets, "secretsmanager:PutSecretValue", secret, as_target)
            as_deployer = request(account, account, role(target, "tapstack-deploy"))
            assert not allowed(secrets, "secretsmanager:GetSecretValue", secret, as_deployer)


def test_lambda_tier_reaches_s3_through_the_managed_prefix_list_only(documents, plan_parameters):
    for name, document in documents.items():
        for logical_id, resource in document["Resources"].items():
            rules = []
            if resource["Type"] == "AWS::EC2::SecurityGroup":
                rules = resource["Properties"].get("SecurityGroupEgress", [])
            elif resource["Type"] == "AWS::EC2::SecurityGroupEgress":
                rules = [resource["Properties"]]
            for rule in rules:
                assert rule.get("CidrIp") != "0.0.0.0/0", f"{name}:{logical_id} egress anywhere"
        if name.endswith("/network"):
            s3 = document["Resources"]["LambdaEgressHttpsToS3"]["Properties"]
            assert s3["DestinationPrefixListId"] == {"Ref": "S3PrefixListId"}
            assert (s3["IpProtocol"], s3["FromPort"], s3["ToPort"]) == ("tcp", 443, 443)
            assert plan_parameters[name]["S3PrefixListId"] == "!managed_prefix_list s3"


@pytest.fixture(scope="module")
def plan_parameters() -> dict[str, dict[str, str]]:
    """Each stack's parameters as written in config/ (resolvers by their tag and argument)."""
    found = {}
    for path in (PROJECT_DIR / "config").glob("*/*/*.yaml"):
        if path.name == "config.yaml":
            continue
        name = str(path.relative_to(PROJECT_DIR / "config")).removesuffix(".yaml")
        found[name] = dict(re.findall(r"^  (\w+): (.+?)(?:\s+#.*)?$", path.read_text(), re.M))
    return found


def test_every_vpcs_default_group_is_emptied_by_its_database_stack(documents, plan_parameters):
    for name, document in documents.items():
        group = name.rsplit("/", 1)[0]
        if name.endswith("/network"):
            output = document["Outputs"]["DefaultSecurityGroupId"]["Value"]
            assert output == {"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]}
            assert f"{group}/database" in documents, f"{group} has no database stack"
        if not name.endswith("/database"):
            continue
        resources = document["Resources"]
        lockdown = resources["DefaultSecurityGroupLockdown"]
        assert lockdown["Type"] == "Custom::DefaultSecurityGroupLockdown"
        assert lockdown["Properties"]["GroupId"] == {"Ref": "DefaultSecurityGroupId"}
        assert plan_parameters[name]["DefaultSecurityGroupId"] == (
            '!stack_output "{{ stack_group_path }}/network.yaml::DefaultSecurityGroupId"'
        )
        policy = resources["DefaultSecurityGroupFunctionRole"]["Properties"]["Policies"][0]
        statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
        revoke = statements["RevokeTheDefaultGroupsRules"]
        assert revoke["Resource"] == [
            {
                "Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:"
                "security-group/${DefaultSecurityGroupId}"
            }
        ]


def _denied(statement: dict, context: dict[str, str]) -> bool:
    """Does the Deny statement apply to a request with `context` (keys absent when None)?"""
    for operator, checks in statement["Condition"].items():
        base, if_exists = operator.removesuffix("IfExists"), operator.endswith("IfExists")
        for key, expected in checks.items():
            actual, wanted = context.get(key), [str(w).lower() for w in _listed(expected)]
            if actual is None:
                holds = if_exists or base.startswith("StringNot")
            elif base == "StringNotEquals":
                holds = actual not in wanted
            elif base == "ArnNotLike":
                holds = not any(fnmatch.fnmatchcase(actual.lower(), w) for w in wanted)
            elif base == "Bool":
                holds = actual.lower() in wanted
            else:
                raise AssertionError(f"operator {operator} is not evaluated by this test")
            if not holds:
                return False
    return True


@pytest.mark.parametrize("bucket_id", ["MigrationBucket", "AuditLogBucket"])
def test_buckets_admit_this_projects_code_only_through_the_vpc_endpoint(documents, bucket_id):
    stacks = [name for name in documents if name.endswith("/storage")]
    assert len(stacks) == 4
    for name in stacks:
        environment = name.split("/")[0]
        facts = Facts(accounts=ACCOUNTS, prod_cidrs=[], other_cidrs=[], sync_subnets=[])
        stack = StackInput(
            name=name,
            environment=environment,
            region=name.split("/")[1],
            document=documents[name],
            parameters={
                "S3EndpointId": "vpce-0123456789abcdef0",
                "EnvironmentName": environment,
                "EnvironmentSuffix": "main",
            },
        )
        policy = Evaluator(stack, facts).resources()[f"{bucket_id}Policy"]["Properties"]
        statement = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}[
            "DenyOutsideTheVpcEndpoint"
        ]
        account = ACCOUNTS[environment]
        lambda_role = f"arn:aws:iam::{account}:role/tapstack-{environment}-migrations-Fn-1"

        def context(principal: str, vpce: str | None = None, service: bool = False) -> dict:
            found = {
                "aws:PrincipalArn": principal,
                "aws:PrincipalIsAWSService": str(service).lower(),
                "aws:ViaAWSService": "false",
            }
            return {**found, "aws:SourceVpce": vpce} if vpce else found

        # this project's code: only through this VPC's endpoint
        assert _denied(statement, context(lambda_role)), name
        assert _denied(statement, context(lambda_role, "vpce-0aaaaaaaaaaaaaaaa")), name
        assert not _denied(statement, context(lambda_role, "vpce-0123456789abcdef0")), name
        # exempt: the deployer, S3 replicating the audit log, AWS services
        deployer = f"arn:aws:iam::{account}:role/tapstack-deploy-{environment}"
        replication = (
            f"arn:aws:iam::{account}:role/tapstack-audit-log-replication-{environment}-main"
        )
        assert not _denied(statement, context(deployer)), name
        assert not _denied(statement, context(replication)), name
        assert not _denied(statement, context("cloudtrail.amazonaws.com", service=True)), name
        # but not another environment's deployer
        other = f"arn:aws:iam::{OUTSIDER}:role/tapstack-deploy-{environment}"
        assert _denied(statement, context(other)), name
