"""iam stack: the account-level roles of one environment (launched in its home region only).

- `tapstack-deploy-{env}`: the role every stack group of the account assumes (Sceptre's
  `sceptre_role`). It trusts exactly one deployer principal. Its service permissions are the
  generated, reviewed action list (tapstack_blocks.deploy_role_policy) in customer-managed
  policies `tapstack-deploy-{env}-services-{n}`; its IAM is the guard-railed inline policy. The
  stack's first launch in a new account runs with the account's admin role
  (`--var bootstrap=true`, docs/security.md); from then on the deploy role manages this stack,
  except itself, its managed policies and the boundary.
- staging/dev: `tapstack-sync-target-{env}`, trusting exactly prod's sync role with an
  ExternalId; it may read this environment's sync-writer secret and decrypt it with this
  environment's key, nothing else.
- staging/dev: `tapstack-peering-accepter-{env}`, trusting exactly prod's deployer: it may read
  this environment's network and cluster stack outputs (the VPC to peer with, and where the
  sync's target database is), accept peering connections requested from prod's
  account and publish their ids under `/tapstack/{env}/*/peering/`, nothing else. Prod's launch
  uses it instead of this environment's deploy role, which trusts only this environment's
  deployer.
- prod: `tapstack-sync-prod`, the sync Lambda's role, which may assume exactly the targets.

The stack has no dependency: every other stack (kms first, whose key policy names the deploy
role) depends on it, so it is created first and deleted last.
"""

from pydantic import BaseModel, ConfigDict
from tapstack_blocks.boundary import (
    BOUNDARY_POLICY,
    BOUNDARY_SCANNER_SUPPRESSIONS,
    boundary_policy,
    deploy_role_iam_policy,
)
from tapstack_blocks.cross_account import (
    EXTERNAL_ID_PATTERN,
    PRINCIPAL_ARN_PATTERN,
    ROLE_ARN_PATTERN,
    SESSION_SECONDS,
    role_name,
    trust_exact_principal,
)
from tapstack_blocks.deploy_role_policy import deploy_role_service_policies
from tapstack_blocks.handler import render
from tapstack_blocks.naming import deploy_role_name
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import add_environment_parameters, add_is_prod_condition
from tapstack_blocks.peering_accepter_role import IS_PEERING_ACCEPTER, peering_accepter_role
from tapstack_blocks.suppressions import INLINE_POLICY, scanner_metadata
from tapstack_blocks.sync_roles import IS_SYNC_TARGET, sync_role, sync_target_role
from troposphere import Condition, GetAtt, Not, Parameter, Ref, Template
from troposphere.iam import ManagedPolicy, Role
from troposphere.iam import Policy as RolePolicy


class IamOptions(BaseModel):
    """The iam template takes no sceptre_user_data; anything given is an error."""

    model_config = ConfigDict(extra="forbid")


def build(_options: IamOptions) -> Template:
    """The iam stack's template."""
    template = Template(Description="tapstack iam: deploy role and cross-account sync roles")
    add_environment_parameters(template)
    is_prod = add_is_prod_condition(template)
    template.add_condition(IS_SYNC_TARGET, Not(Condition(is_prod)))
    template.add_condition(IS_PEERING_ACCEPTER, Not(Condition(is_prod)))
    parameters = _add_parameters(template)
    service_policies = [template.add_resource(p) for p in deploy_role_service_policies()]
    deploy_role = template.add_resource(
        _deploy_role(parameters["DeployerPrincipalArn"], service_policies)
    )
    boundary = Ref(template.add_resource(_permissions_boundary()))
    sync_target = template.add_resource(sync_target_role(parameters, boundary))
    sync_source = template.add_resource(sync_role(parameters, is_prod, boundary))
    accepter = template.add_resource(peering_accepter_role(parameters, boundary))
    add_exported_output(
        template, "DeployRoleArn", GetAtt(deploy_role, "Arn"), "The account's deploy role"
    )
    add_exported_output(
        template,
        "SyncTargetRoleArn",
        GetAtt(sync_target, "Arn"),
        "Role prod's sync assumes in this account",
        condition=IS_SYNC_TARGET,
    )
    add_exported_output(
        template,
        "PeeringAccepterRoleArn",
        GetAtt(accepter, "Arn"),
        "Role prod's deployer accepts peering connections in this account with",
        condition=IS_PEERING_ACCEPTER,
    )
    add_exported_output(
        template, "SyncRoleArn", GetAtt(sync_source, "Arn"), "Prod sync role", condition=is_prod
    )
    add_exported_output(
        template, "SyncRoleName", Ref(sync_source), "Prod sync role name", condition=is_prod
    )
    return template


def _add_parameters(template: Template) -> dict[str, Parameter]:
    specs = [
        Parameter(
            "DeployerPrincipalArn",
            Type="String",
            AllowedPattern=PRINCIPAL_ARN_PATTERN,
            Description="The one principal (CI or operator role) that may assume the deploy role.",
            ConstraintDescription="must be the ARN of an IAM role or user",
        ),
        Parameter(
            "PeeringRequesterPrincipalArn",
            Type="String",
            AllowedPattern=PRINCIPAL_ARN_PATTERN,
            Description="Prod's deployer: the one principal the peering-accepter role trusts.",
            ConstraintDescription="must be the ARN of an IAM role or user",
        ),
        Parameter(
            "PeeringRequesterAccountId",
            Type="String",
            AllowedPattern=r"^\d{12}$",
            Description="Prod's account: the only requester whose peering may be accepted.",
            ConstraintDescription="must be a 12-digit AWS account id",
        ),
        Parameter(
            "SyncSourceRoleArn",
            Type="String",
            AllowedPattern=ROLE_ARN_PATTERN,
            Description="Prod's sync role, the only principal the sync-target role trusts.",
            ConstraintDescription="must be the ARN of an IAM role",
        ),
        Parameter(
            "SyncTargetRoleArns",
            Type="CommaDelimitedList",
            AllowedPattern=ROLE_ARN_PATTERN,
            Description="The sync-target roles (staging, dev), all prod's sync may assume.",
            ConstraintDescription="must be a comma-separated list of IAM role ARNs",
        ),
        Parameter(
            "SyncExternalId",
            Type="String",
            AllowedPattern=EXTERNAL_ID_PATTERN,
            Description="ExternalId the sync role must present to assume a sync-target role.",
            ConstraintDescription="must be 16 or more of A-Z a-z 0-9 +=,.@:/_-",
        ),
    ]
    return {parameter.title: template.add_parameter(parameter) for parameter in specs}


def _permissions_boundary() -> ManagedPolicy:
    # The deploy role may not change it (tapstack_blocks.boundary): a change to it, like one to
    # the deploy role itself, is launched as the account's admin (`--var bootstrap=true`).
    return ManagedPolicy(
        "PermissionsBoundary",
        ManagedPolicyName=role_name(BOUNDARY_POLICY),
        Description="tapstack: the ceiling of every project role (no IAM, no deploy plane)",
        PolicyDocument=boundary_policy(),
        Metadata={"checkov": {"skip": BOUNDARY_SCANNER_SUPPRESSIONS}},
    )


def _deploy_role(deployer, service_policies: list[ManagedPolicy]) -> Role:
    # CloudFormation names roles it generates `{stack}-{logical id}-{random}`, and every stack
    # is named `tapstack-...`: the wildcard after `tapstack-` covers exactly the project's roles,
    # each of which must carry the permissions boundary.
    return Role(
        "DeployRole",
        Metadata=scanner_metadata(INLINE_POLICY),
        RoleName=deploy_role_name(),
        Description="tapstack: the role Sceptre assumes to deploy this account's stacks",
        AssumeRolePolicyDocument=trust_exact_principal(Ref(deployer)),
        MaxSessionDuration=SESSION_SECONDS,
        ManagedPolicyArns=[Ref(policy) for policy in service_policies],
        Policies=[
            RolePolicy(
                PolicyName="manage-project-roles",
                PolicyDocument=deploy_role_iam_policy(),
            )
        ],
    )


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("iam", IamOptions, build, sceptre_user_data)
