"""The identity plane of the reachability proof: can anything in staging or dev become prod?

Three ways a staging/dev launch or workload could act in prod's account, each checked:

- **Config calls** (`config_violations`): the role a stack group assumes (`sceptre_role`), and
  every role its resolvers and hooks assume. `!stack_output` reads through the *target* stack's
  deploy role, `!stack_output_cross_account` through a role of the named environment, and
  `!accept_vpc_peering` through a role of whatever account accepts. A staging/dev stack that
  would assume a role of prod's account is a violation; a resolver or hook this module does not
  know is a violation too (no silent skips).
- **Identity policies** (`policy_violations`): every staging/dev role's inline policies *and*
  its managed policies (AWS-managed ones from the pinned copy, tests/aws_managed_policies/;
  customer-managed ones from the template that defines them; any other is a violation) are
  evaluated with the local AWS's evaluator for
  `sts:AssumeRole` on prod's roles. Conditions could hold at run time, so an Allow counts
  without its conditions and a conditional Deny does not count: the proof over-approximates.
- **Deployers** (`deployer_violations`): prod's deployer must be no other environment's, and no
  prod role may trust a staging or dev deployer.
"""

import re
from dataclasses import dataclass, field
from typing import Any

import tapstack_iam_policy as policy
from sceptre.resolvers.stack_output import StackOutput
from tapstack_environment.deploy_role import DeployRole
from tapstack_hooks.accept_vpc_peering import AcceptVpcPeering
from tapstack_hooks.cfn_lint import CfnLint
from tapstack_hooks.empty_buckets import EmptyBuckets
from tapstack_hooks.lambda_image_tag import LambdaImageTag
from tapstack_hooks.lambda_package_key import LambdaPackageKey
from tapstack_hooks.migrations_key import MigrationsKey
from tapstack_hooks.push_lambda_image import PushLambdaImage
from tapstack_hooks.refuse_delete_while_peered import RefuseDeleteWhilePeered
from tapstack_hooks.rollback_triggers import RollbackTriggers
from tapstack_hooks.upload_lambda_package import UploadLambdaPackage
from tapstack_hooks.upload_migrations import UploadMigrations
from tapstack_resolvers.account_role import AccountRole
from tapstack_resolvers.ecr_image_digest import EcrImageDigest
from tapstack_resolvers.managed_prefix_list import ManagedPrefixList
from tapstack_resolvers.ssm_parameter import SsmParameter
from tapstack_resolvers.stack_output_cross_account import (
    SHORT_FORM,
    StackOutputCrossAccount,
)

from tapstack_tools.managed_policies import UnknownManagedPolicyError, document

# Resolvers and hooks that call AWS, if at all, with the stack's own credentials.
LOCAL_RESOLVERS = (
    DeployRole,
    AccountRole,
    EcrImageDigest,
    SsmParameter,
    LambdaPackageKey,
    MigrationsKey,
    LambdaImageTag,
    ManagedPrefixList,  # DescribeManagedPrefixLists, the stack's own role and region
)
LOCAL_HOOKS = (
    CfnLint,
    EmptyBuckets,
    PushLambdaImage,
    RefuseDeleteWhilePeered,  # DescribeStacks, DescribeVpcPeeringConnections: its own role
    RollbackTriggers,
    UploadLambdaPackage,
    UploadMigrations,
)
# Prod roles a staging/dev policy must not reach (names of every kind the project has).
PROD_ROLE_NAMES = ("tapstack-deploy-prod", "tapstack-sync-prod", "tapstack-x", "Admin")


@dataclass
class ConfigStack:
    """What a stack's config makes Sceptre do: its role, resolvers and hooks (unresolved)."""

    name: str
    environment: str
    role_arn: str | None
    parameters: dict[str, Any] = field(default_factory=dict)
    hooks: dict[str, list] = field(default_factory=dict)


def config_stack(stack: Any) -> ConfigStack:
    """The ConfigStack of a Sceptre stack (its `sceptre_role` resolves offline)."""
    config = stack.stack_group_config
    return ConfigStack(
        name=stack.name,
        environment=config["environment"],
        role_arn=stack.sceptre_role,
        parameters=dict(stack._parameters),
        hooks={point: list(hooks) for point, hooks in (stack._hooks or {}).items()},
    )


def _environment_of_path(path: str) -> str:
    first = path.strip().split("/", 1)[0]
    return "prod" if first == "global" else first


def _assumed_environments(value: Any, stack: ConfigStack, where: str) -> list[tuple[str, str]]:
    """(environment, what) for each role a value's resolvers assume; ("?", what) if unknown.
    Arguments are read raw (`_argument`): reading `argument` would resolve nested resolvers."""
    if isinstance(value, str | int | float | bool) or value is None:
        return []
    if isinstance(value, list):
        return [e for item in value for e in _assumed_environments(item, stack, where)]
    if isinstance(value, dict):
        return [e for item in value.values() for e in _assumed_environments(item, stack, where)]
    if type(value) is StackOutput:
        target = _environment_of_path(str(value._argument))
        return [(target, f"{where}: !stack_output {value._argument} (as {target}'s deploy role)")]
    if type(value) is StackOutputCrossAccount:
        argument = value._argument
        if isinstance(argument, str) and (match := SHORT_FORM.match(argument.strip())):
            account = match["account"]
        else:
            account = argument.get("account", "?") if isinstance(argument, dict) else "?"
        return [(account, f"{where}: !stack_output_cross_account {argument!r}")]
    if type(value) in LOCAL_RESOLVERS:  # exactly these classes: a subclass may do more
        return _assumed_environments(value._argument, stack, where)
    return [("?", f"{where}: unknown resolver {type(value).__name__} (not in the proof)")]


def config_violations(stacks: list[ConfigStack], accounts: dict[str, str]) -> list[str]:
    """Staging/dev stack configs that would assume a role of prod's account."""
    prod_account = accounts["prod"]
    found = []
    for stack in stacks:
        if stack.environment == "prod":
            continue
        if stack.role_arn and stack.role_arn.split(":")[4] == prod_account:
            found.append(f"{stack.name}: sceptre_role {stack.role_arn} is a prod role")
        calls = [
            call
            for name, value in stack.parameters.items()
            for call in _assumed_environments(value, stack, f"{stack.name}: parameter {name}")
        ]
        for point, hooks in stack.hooks.items():
            for hook in hooks:
                where = f"{stack.name}: {point} hook {type(hook).__name__}"
                if type(hook) is AcceptVpcPeering:
                    calls.append(("prod", f"{where} assumes the role of any accepter account"))
                elif type(hook) in LOCAL_HOOKS:
                    calls += _assumed_environments(hook._argument, stack, where)
                else:
                    calls.append(("?", f"{where}: unknown hook (not in the proof)"))
        for environment, what in calls:
            if environment == "?" or accounts.get(environment) in (None, prod_account):
                found.append(f"{what}: may assume a role of prod's account")
    return found


def _worst_case(documents: list[Any]) -> list[dict]:
    """Allows without their conditions, unconditional Denies only; unknown values as `*`."""
    cases = []
    for doc in documents:
        statements = doc.get("Statement", []) if isinstance(doc, dict) else []
        kept = []
        for statement in statements if isinstance(statements, list) else [statements]:
            statement = {k: _text(v) for k, v in statement.items()}
            if statement.get("Effect") == "Deny" and statement.get("Condition"):
                continue
            statement.pop("Condition", None)
            kept.append(statement)
        cases.append({"Statement": kept})
    return cases


def _text(value: Any) -> Any:
    if isinstance(value, list):
        return [_text(item) for item in value]
    if isinstance(value, dict):
        return {key: _text(item) for key, item in value.items()}
    return value if isinstance(value, str | int | bool) else "*"  # Unknown: anything


def policy_violations(
    role_id: str, properties: dict, prod_account: str, local: dict[str, dict] | None = None
) -> list[str]:
    """A staging/dev role whose policies (inline and managed; `local`: the template's own
    managed policies by ARN, managed_policies.customer_managed) may assume a prod role."""
    found, documents = [], [p.get("PolicyDocument") for p in properties.get("Policies", [])]
    for arn in properties.get("ManagedPolicyArns", []):
        try:
            documents.append(document(str(arn), local))
        except UnknownManagedPolicyError as err:
            found.append(f"{role_id}: managed policy {arn}: {err} (counted as a violation)")
    worst = _worst_case(documents)
    for name in PROD_ROLE_NAMES:
        target = f"arn:aws:iam::{prod_account}:role/{name}"
        request = policy.Request("sts:AssumeRole", target)
        if policy.decide(worst, request) == policy.ALLOW:
            found.append(f"{role_id}: its policies allow sts:AssumeRole on {target} (prod)")
    return found


def deployer_violations(deployers: dict[str, str]) -> list[str]:
    """Prod's deployer shared with staging or dev."""
    prod = deployers.get("prod")
    return [
        f"deployers: prod's deployer {prod} is also {environment}'s"
        for environment, principal in deployers.items()
        if environment != "prod" and principal == prod
    ]


def trusts_another_deployer(entry: Any, deployers: dict[str, str]) -> str | None:
    """The staging/dev environment whose deployer `entry` is, if any."""
    for environment, principal in deployers.items():
        if environment != "prod" and re.sub(r":sts::", ":iam::", str(entry)) == principal:
            return environment
    return None
