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
  this environment's network and database stack outputs (the VPC to peer with, and where the
  sync's target database is), accept peering connections requested from prod's
  account and publish their ids under `/tapstack/{env}/*/peering/`, nothing else. Prod's launch
  uses it instead of this environment's deploy role, which trusts only this environment's
  deployer.
- prod: `tapstack-sync-prod`, the sync Lambda's role, which may assume exactly the targets.

The stack has no dependency: every other stack (kms first, whose key policy names the deploy
role) depends on it, so it is created first and deleted last.
"""

from awacs import cloudformation, ec2, kms, secretsmanager, ssm, sts
from awacs.aws import (
    Allow,
    ArnEquals,
    ArnLike,
    ForAnyValueStringEquals,
    Policy,
    Statement,
    StringEquals,
)
from awacs.aws import Condition as PolicyCondition
from pydantic import BaseModel, ConfigDict
from tapstack_blocks.boundary import (
    BOUNDARY_POLICY,
    BOUNDARY_SCANNER_SUPPRESSIONS,
    boundary_policy,
    deploy_role_iam_policy,
)
from tapstack_blocks.cross_account import (
    EXTERNAL_ID_PATTERN,
    PEERING_ACCEPTER_ROLE,
    PRINCIPAL_ARN_PATTERN,
    ROLE_ARN_PATTERN,
    SYNC_ROLE,
    SYNC_TARGET_ROLE,
    environment_key_alias,
    role_name,
    trust_exact_principal,
    trust_exact_role,
)
from tapstack_blocks.deploy_role_policy import policy_name, service_policy_documents
from tapstack_blocks.handler import render
from tapstack_blocks.iam import service_trust_policy
from tapstack_blocks.naming import DEPLOY_ROLE, PROJECT, database_secret_arn
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import add_environment_parameters, add_is_prod_condition
from tapstack_blocks.suppressions import INLINE_POLICY, scanner_metadata
from troposphere import Condition, GetAtt, Not, Parameter, Ref, Sub, Template
from troposphere.iam import ManagedPolicy, Role
from troposphere.iam import Policy as RolePolicy

IS_SYNC_TARGET = "IsSyncTarget"
IS_PEERING_ACCEPTER = "IsPeeringAccepter"
# AWS managed policies, by name (ARNs are built with the partition).
LAMBDA_VPC_ACCESS = "service-role/AWSLambdaVPCAccessExecutionRole"  # ENIs and logs
SESSION_SECONDS = 3600
# checkov reads the deploy role's generated service policies as any other policy; each
# exception says why it holds for this one (docs/security.md lists them).
DEPLOY_ROLE_SCANNER_SUPPRESSIONS = [
    {
        "id": "CKV_AWS_111",
        "comment": "The deploy role creates, changes and deletes the stacks' resources, whose "
        "names CloudFormation mostly generates at creation, so no ARN is known beforehand. Every "
        "action is one a registry handler of a resource type it launches, or a Sceptre, hook or "
        "resolver call, needs (deploy_role_actions.json, generated and reviewed); no wildcard.",
    },
    {
        "id": "CKV_AWS_109",
        "comment": "Resource policies (kms:PutKeyPolicy, s3:PutBucketPolicy, sns and sqs "
        "attributes, lambda:AddPermission) are what CloudFormation needs to create the key, "
        "bucket, topic and function policies the templates define. IAM permissions management "
        "is not here: the deploy role's IAM is its guard-railed inline policy.",
    },
    {
        "id": "CKV_AWS_110",
        "comment": "lambda:UpdateFunctionCode and the like run code as a function's role, which "
        "the deploy role itself defines through CloudFormation: every such role carries the "
        "permissions boundary (no IAM, never the deploy plane), and the deploy role may pass "
        "only project roles, to their own services (tests/test_deploy_role_escalation.py).",
    },
    {
        "id": "CKV_AWS_108",
        "comment": "Reads of what the deploy role deploys: CloudFormation resolves the global "
        "database's secret as the caller, the handlers read back what they create, and the "
        "hooks check uploaded objects. The environment key gives it no direct Decrypt; "
        "encrypted data is readable only through the services the key policy lists.",
    },
]


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
    service_policies = [template.add_resource(p) for p in _deploy_role_service_policies()]
    deploy_role = template.add_resource(
        _deploy_role(parameters["DeployerPrincipalArn"], service_policies)
    )
    boundary = Ref(template.add_resource(_permissions_boundary()))
    sync_target = template.add_resource(_sync_target_role(parameters, boundary))
    sync_role = template.add_resource(_sync_role(parameters, is_prod, boundary))
    accepter = template.add_resource(_peering_accepter_role(parameters, boundary))
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
        template, "SyncRoleArn", GetAtt(sync_role, "Arn"), "Prod sync role", condition=is_prod
    )
    add_exported_output(
        template, "SyncRoleName", Ref(sync_role), "Prod sync role name", condition=is_prod
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


def _managed_policy(name: str) -> Sub:
    return Sub(f"arn:${{AWS::Partition}}:iam::aws:policy/{name}")


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


def _deploy_role_service_policies() -> list[ManagedPolicy]:
    # Launched, like the deploy role itself, as the account's admin: the deploy role may not
    # change its own policies (tapstack_blocks.boundary).
    return [
        ManagedPolicy(
            f"DeployRoleServices{number}",
            Metadata={"checkov": {"skip": DEPLOY_ROLE_SCANNER_SUPPRESSIONS}},
            ManagedPolicyName=policy_name(number),
            Description=f"tapstack: the deploy role's service permissions, part {number} "
            "(generated from deploy_role_actions.json)",
            PolicyDocument=document,
        )
        for number, document in enumerate(service_policy_documents(), start=1)
    ]


def _deploy_role(deployer, service_policies: list[ManagedPolicy]) -> Role:
    # CloudFormation names roles it generates `{stack}-{logical id}-{random}`, and every stack
    # is named `tapstack-...`: the wildcard after `tapstack-` covers exactly the project's roles,
    # each of which must carry the permissions boundary.
    return Role(
        "DeployRole",
        Metadata=scanner_metadata(INLINE_POLICY),
        RoleName=role_name(DEPLOY_ROLE),
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


def decrypt_via_secrets_manager() -> Statement:
    """kms:Decrypt with this environment's key, only on behalf of Secrets Manager."""
    # The key's id is not known here (kms launches after this stack, because its key policy
    # names the deploy role), so the key is pinned by its alias instead: a key of this account
    # and region, but only the one aliased alias/tapstack-{env}, and only via Secrets Manager.
    account_keys = Sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*")
    return Statement(
        Sid="DecryptWithEnvironmentKeyViaSecretsManager",
        Effect=Allow,
        Action=[kms.Decrypt],
        Resource=[account_keys],
        Condition=PolicyCondition(
            [
                StringEquals("kms:ViaService", Sub("secretsmanager.${AWS::Region}.amazonaws.com")),
                ForAnyValueStringEquals("kms:ResourceAliases", environment_key_alias()),
            ]
        ),
    )


def _sync_target_role(parameters: dict[str, Parameter], boundary: Ref) -> Role:
    return Role(
        "SyncTargetRole",
        Metadata=scanner_metadata(INLINE_POLICY),
        Condition=IS_SYNC_TARGET,
        RoleName=role_name(SYNC_TARGET_ROLE),
        Description="tapstack: prod's sync reads this environment's sync-writer secret",
        AssumeRolePolicyDocument=trust_exact_role(
            Ref(parameters["SyncSourceRoleArn"]), Ref(parameters["SyncExternalId"])
        ),
        MaxSessionDuration=SESSION_SECONDS,
        PermissionsBoundary=boundary,
        Policies=[
            RolePolicy(
                PolicyName="read-sync-writer-secret",
                PolicyDocument=Policy(
                    Version="2012-10-17",
                    Statement=[
                        Statement(
                            Sid="SyncWriterSecret",
                            Effect=Allow,
                            Action=[secretsmanager.GetSecretValue, secretsmanager.DescribeSecret],
                            Resource=[database_secret_arn("sync")],
                        ),
                        decrypt_via_secrets_manager(),
                    ],
                ),
            )
        ],
    )


def _sync_function_arn() -> Sub:
    """The sync function (sync stack): `tapstack-sync-{env}-{suffix}` in this account."""
    return Sub(
        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
        f"{PROJECT}-sync-${{EnvironmentName}}-${{EnvironmentSuffix}}"
    )


def _sync_role(parameters: dict[str, Parameter], is_prod: str, boundary: Ref) -> Role:
    return Role(
        "SyncRole",
        Metadata=scanner_metadata(INLINE_POLICY),
        Condition=is_prod,
        RoleName=role_name(SYNC_ROLE),
        Description="tapstack: the prod sync Lambda; assumes exactly the sync-target roles",
        # Only the sync function (sync stack, `tapstack-sync-{env}-{suffix}`) may take this role:
        # another prod function given it would get its reach into staging and dev.
        AssumeRolePolicyDocument=service_trust_policy(
            "lambda.amazonaws.com", source_arn=_sync_function_arn()
        ),
        MaxSessionDuration=SESSION_SECONDS,
        PermissionsBoundary=boundary,
        ManagedPolicyArns=[_managed_policy(LAMBDA_VPC_ACCESS)],
        Policies=[
            RolePolicy(
                PolicyName="assume-sync-targets",
                PolicyDocument=Policy(
                    Version="2012-10-17",
                    Statement=[
                        Statement(
                            Sid="SyncTargetsOnly",
                            Effect=Allow,
                            Action=[sts.AssumeRole],
                            Resource=Ref(parameters["SyncTargetRoleArns"]),
                            # Lambda puts the calling function's ARN in its credentials'
                            # context: only the sync function's code reaches the targets,
                            # whatever the trust policy lets assume this role.
                            Condition=PolicyCondition(
                                ArnEquals("lambda:SourceFunctionArn", _sync_function_arn())
                            ),
                        ),
                        Statement(
                            Sid="SyncReaderSecret",
                            Effect=Allow,
                            Action=[secretsmanager.GetSecretValue, secretsmanager.DescribeSecret],
                            Resource=[database_secret_arn("sync")],
                        ),
                        decrypt_via_secrets_manager(),
                    ],
                ),
            )
        ],
    )


def _peering_accepter_role(parameters: dict[str, Parameter], boundary: Ref) -> Role:
    # Every ARN is of this account; the requester's VPC must be in prod's account.
    def own(service: str, resource: str) -> Sub:
        return Sub(f"arn:${{AWS::Partition}}:{service}:*:${{AWS::AccountId}}:{resource}")

    return Role(
        "PeeringAccepterRole",
        Metadata=scanner_metadata(INLINE_POLICY),
        Condition=IS_PEERING_ACCEPTER,
        RoleName=role_name(PEERING_ACCEPTER_ROLE),
        Description="tapstack: prod's deployer accepts prod's peering here and publishes its id",
        AssumeRolePolicyDocument=trust_exact_principal(
            Ref(parameters["PeeringRequesterPrincipalArn"])
        ),
        MaxSessionDuration=SESSION_SECONDS,
        PermissionsBoundary=boundary,
        Policies=[
            RolePolicy(
                PolicyName="accept-prod-peering",
                PolicyDocument=Policy(
                    Version="2012-10-17",
                    Statement=[
                        Statement(
                            Sid="ReadNetworkAndDatabaseStackOutputs",
                            Effect=Allow,
                            Action=[cloudformation.DescribeStacks],
                            Resource=[
                                own(
                                    "cloudformation",
                                    f"stack/tapstack-${{EnvironmentName}}-*-{stack}/*",
                                )
                                for stack in ("network", "database")
                            ],
                        ),
                        Statement(
                            Sid="AcceptPeeringRequestedByProd",
                            Effect=Allow,
                            Action=[ec2.AcceptVpcPeeringConnection],
                            Resource=[
                                own("ec2", "vpc-peering-connection/*"),
                                own("ec2", "vpc/*"),
                            ],
                            Condition=PolicyCondition(
                                ArnLike(
                                    "ec2:RequesterVpc",
                                    Sub(
                                        "arn:${AWS::Partition}:ec2:*:${Prod}:vpc/*",
                                        Prod=Ref(parameters["PeeringRequesterAccountId"]),
                                    ),
                                )
                            ),
                        ),
                        Statement(
                            Sid="PublishPeeringConnectionIds",
                            Effect=Allow,
                            Action=[ssm.PutParameter, ssm.GetParameter, ssm.DeleteParameter],
                            Resource=[
                                own("ssm", "parameter/tapstack/${EnvironmentName}/*/peering/*")
                            ],
                        ),
                    ],
                ),
            )
        ],
    )


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("iam", IamOptions, build, sceptre_user_data)
