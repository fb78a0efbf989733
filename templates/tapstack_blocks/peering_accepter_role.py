"""staging/dev: `tapstack-peering-accepter-{env}` (iam stack), the role prod's deployer uses in
this account. It trusts exactly prod's deployer and may read this environment's network and
cluster stack outputs, accept peering requested from prod's account and publish the
connection ids under `/tapstack/{env}/*/peering/`, nothing else."""

from awacs import cloudformation, ec2, ssm
from awacs.aws import Allow, ArnLike, Policy, Statement
from awacs.aws import Condition as PolicyCondition
from troposphere import Parameter, Ref, Sub
from troposphere.iam import Policy as RolePolicy
from troposphere.iam import Role

from tapstack_blocks.cross_account import (
    PEERING_ACCEPTER_ROLE,
    SESSION_SECONDS,
    role_name,
    trust_exact_principal,
)
from tapstack_blocks.suppressions import INLINE_POLICY, scanner_metadata

IS_PEERING_ACCEPTER = "IsPeeringAccepter"


def peering_accepter_role(parameters: dict[str, Parameter], boundary: Ref) -> Role:
    """The role, in the accepter environments only (condition IsPeeringAccepter)."""

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
                            Sid="ReadNetworkAndClusterStackOutputs",
                            Effect=Allow,
                            Action=[cloudformation.DescribeStacks],
                            Resource=[
                                own(
                                    "cloudformation",
                                    f"stack/tapstack-${{EnvironmentName}}-*-{stack}/*",
                                )
                                for stack in ("network", "cluster")
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
