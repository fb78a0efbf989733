"""A database cluster's place in an Aurora global database, decided at render time.

`none` is the standalone cluster: RDS manages and rotates the master password
(ManageMasterUserPassword). RDS cannot manage the master password of a global-database member
(Aurora User Guide, "Limitations for Secrets Manager integration"), so:
- `primary` creates the AWS::RDS::GlobalCluster and puts the cluster in it; its master password
  is generated into a Secrets Manager secret under the environment key, replicated to the
  secondary region, and reaches the cluster through a dynamic reference (resolved by
  CloudFormation: no password in any template, parameter or output);
- `secondary` joins the global cluster read-only, with no database name, user or password of
  its own (storage-level replication brings them); its master secret is the replica of the
  primary's, which keeps the primary's name in every region.
"""

from typing import Literal

from troposphere import (
    AWSHelperFn,
    GetAtt,
    Join,
    Parameter,
    Ref,
    Select,
    Split,
    Sub,
    Template,
)
from troposphere.rds import DBCluster, GlobalCluster, MasterUserSecret
from troposphere.secretsmanager import (
    GenerateSecretString,
    ReplicaRegion,
    Secret,
    SecretTargetAttachment,
)

from tapstack_blocks.naming import resource_name, secret_name
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import KMS_KEY_ARN_PATTERN
from tapstack_blocks.protection import kept_unless_destroyable
from tapstack_blocks.suppressions import scanner_metadata
from tapstack_blocks.tags import name_tags

GlobalRole = Literal["none", "primary", "secondary"]
# The generated master secret's name (a replica keeps it in every region); Secrets Manager adds
# a 6-character suffix to the ARN.
MASTER_SECRET = "aurora-master"  # noqa: S105 - a name, not a password
REGION_PATTERN = r"^[a-z]{2}(-gov)?-[a-z]+-\d$"
GLOBAL_CLUSTER_ID_PATTERN = r"^[a-z][a-z0-9-]{0,62}$"
SECRETS_MANAGER_ARN_PATTERN = (
    r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$"
)
# Characters the generated master password leaves out: those MySQL DSNs and shells trip over.
EXCLUDED_CHARACTERS = "\"'@/\\`%:;?&=+#$ "
GENERATED_LENGTH = 32


class GlobalMembership:
    """What the cluster's global role adds to the database template."""

    def __init__(
        self,
        role: GlobalRole,
        template: Template,
        kms_key_arn: AWSHelperFn,
        username: str,
        protect_data: bool = False,
    ) -> None:
        self.role = role
        self.protect_data = protect_data
        self.template = template
        self.kms_key_arn = kms_key_arn
        self.username = username
        self.global_cluster: GlobalCluster | None = None
        self.secret: Secret | None = None
        self.parameters: dict[str, Parameter] = {}
        if role == "primary":
            self._add_primary()
        elif role == "secondary":
            self._add_secondary()

    def _parameter(self, title: str, pattern: str, description: str, constraint: str) -> Ref:
        self.parameters[title] = self.template.add_parameter(
            Parameter(
                title,
                Type="String",
                AllowedPattern=pattern,
                Description=description,
                ConstraintDescription=constraint,
            )
        )
        return Ref(self.parameters[title])

    def _add_primary(self) -> None:
        secondary_region = self._parameter(
            "SecondaryRegion",
            REGION_PATTERN,
            "The region of the global database's secondary (the master secret is replicated "
            "there).",
            "must be an AWS region name",
        )
        secondary_key = self._parameter(
            "SecondaryKmsKeyArn",
            KMS_KEY_ARN_PATTERN,
            "The secondary region's environment key: it encrypts the master secret's replica.",
            "must be the ARN of a KMS key",
        )
        self.global_cluster = self.template.add_resource(
            GlobalCluster(
                "GlobalDatabase",
                GlobalClusterIdentifier=resource_name("aurora-global"),
                Engine="aurora-mysql",
                EngineVersion=Ref("EngineVersion"),
                StorageEncrypted=True,
                DeletionProtection=self.protect_data,
                DeletionPolicy="Delete",
                UpdateReplacePolicy="Delete",
            )
        )
        self.secret = self.template.add_resource(
            Secret(
                "GlobalMasterSecret",
                Name=secret_name(MASTER_SECRET),
                Description="Master credentials of the Aurora global database (RDS cannot "
                "manage them for global-database members)",
                KmsKeyId=self.kms_key_arn,
                GenerateSecretString=GenerateSecretString(
                    SecretStringTemplate=f'{{"username": "{self.username}"}}',
                    GenerateStringKey="password",
                    PasswordLength=GENERATED_LENGTH,
                    ExcludeCharacters=EXCLUDED_CHARACTERS,
                ),
                ReplicaRegions=[ReplicaRegion(Region=secondary_region, KmsKeyId=secondary_key)],
                Metadata=scanner_metadata(
                    {
                        "SECRETSMANAGER_ROTATION_ENABLED_CHECK": "Rotated every 30 days by "
                        "MasterSecretRotation in prod's migrations stack, with the users "
                        "stack's rotation function (the secret must exist before the cluster).",
                    }
                ),
                Tags=name_tags(resource_name("aurora-master")),
                DeletionPolicy=kept_unless_destroyable(self.protect_data),
                UpdateReplacePolicy=kept_unless_destroyable(self.protect_data),
            )
        )

    def _add_secondary(self) -> None:
        self._parameter(
            "GlobalClusterIdentifier",
            GLOBAL_CLUSTER_ID_PATTERN,
            "The global database to join (the primary's cluster stack output "
            "GlobalClusterIdentifier).",
            "must be a global cluster identifier",
        )
        self._parameter(
            "PrimaryMasterSecretArn",
            SECRETS_MANAGER_ARN_PATTERN,
            "The primary's master secret (its MasterSecretArn output); its replica in this "
            "region holds the credentials after a failover.",
            "must be a Secrets Manager secret ARN",
        )

    def cluster_properties(self, database_name: str) -> dict:
        """The DBCluster properties that depend on the global role."""
        if self.role == "secondary":
            # Database, user and password come from the primary through storage replication.
            return {"GlobalClusterIdentifier": Ref(self.parameters["GlobalClusterIdentifier"])}
        credentials = {"DatabaseName": database_name, "MasterUsername": self.username}
        if self.role == "primary":
            password = Sub(
                "{{resolve:secretsmanager:${Secret}:SecretString:password}}",
                Secret=Ref(self.secret),
            )
            return {
                **credentials,
                "GlobalClusterIdentifier": Ref(self.global_cluster),
                "MasterUserPassword": password,
            }
        return {
            **credentials,
            "ManageMasterUserPassword": True,
            "MasterUserSecret": MasterUserSecret(KmsKeyId=self.kms_key_arn),
        }

    @property
    def secret_kind(self) -> str:
        """Who made the master secret, for descriptions."""
        return {"none": "RDS-managed", "primary": "generated", "secondary": "replicated"}[self.role]

    def secret_arn(self, cluster: DBCluster) -> AWSHelperFn:
        """The ARN of the master secret in this region."""
        if self.role == "primary":
            return Ref(self.secret)
        if self.role == "secondary":
            # A replica keeps the primary secret's name and suffix; only the region differs.
            primary_arn = Ref(self.parameters["PrimaryMasterSecretArn"])
            return Join(
                ":",
                [
                    "arn",
                    Ref("AWS::Partition"),
                    "secretsmanager",
                    Ref("AWS::Region"),
                    Ref("AWS::AccountId"),
                    "secret",
                    Select(6, Split(":", primary_arn)),
                ],
            )
        return GetAtt(cluster, "MasterUserSecret.SecretArn")

    def finish(self, cluster: DBCluster) -> None:
        """What follows the cluster: the primary's secret attachment and global output."""
        if self.role != "primary":
            return
        self.template.add_resource(
            SecretTargetAttachment(
                "GlobalMasterSecretAttachment",
                SecretId=Ref(self.secret),
                TargetId=Ref(cluster),
                TargetType="AWS::RDS::DBCluster",
            )
        )
        add_exported_output(
            self.template,
            "GlobalClusterIdentifier",
            Ref(self.global_cluster),
            "Identifier of the Aurora global database this cluster is the primary of",
        )
