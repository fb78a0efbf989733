"""AWS::SecretsManager::Secret (GenerateSecretString, KmsKeyId) and RotationSchedule.

moto has no CloudFormation model for either. A generated secret follows Secrets Manager's
GetRandomPassword rules; with SecretStringTemplate the password goes under GenerateStringKey.
A RotationSchedule records the rotation Lambda and rules (DescribeSecret shows RotationEnabled,
RotationLambdaARN, RotationRules); it does not invoke the function (rotation stays an AWS-only
proof, see docs/emulator.md).
"""

import json
import re
import time
from typing import Any, ClassVar

from moto.secretsmanager.models import (
    ReplicaSecret,
    SecretsManagerBackend,
    secretsmanager_backends,
)
from moto.secretsmanager.utils import random_password

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.registry import register

DEFAULT_PASSWORD_LENGTH = 32
_RATE_DAYS = re.compile(r"rate\((\d+) days?\)")


def backend(scope: Scope) -> SecretsManagerBackend:
    """The account and region's Secrets Manager backend."""
    return secretsmanager_backends[scope.account_id][scope.region_name]


def _flag(value: Any, default: bool = False) -> bool:
    return default if value is None else value is True or str(value).lower() == "true"


def generated_value(spec: dict[str, Any]) -> str:
    """The secret string GenerateSecretString describes."""
    password = random_password(
        int(spec.get("PasswordLength", DEFAULT_PASSWORD_LENGTH)),
        spec.get("ExcludeCharacters", ""),
        _flag(spec.get("ExcludeNumbers")),
        _flag(spec.get("ExcludePunctuation")),
        _flag(spec.get("ExcludeUppercase")),
        _flag(spec.get("ExcludeLowercase")),
        _flag(spec.get("IncludeSpace")),
        _flag(spec.get("RequireEachIncludedType"), default=True),
    )
    template, key = spec.get("SecretStringTemplate"), spec.get("GenerateStringKey")
    if (template is None) != (key is None):
        raise ValueError("SecretStringTemplate and GenerateStringKey go together")
    if template is None:
        return password
    document = json.loads(template)
    document[key] = password
    return json.dumps(document)


def secret_value(properties: dict[str, Any]) -> str:
    """SecretString as given, or generated."""
    if "SecretString" in properties and "GenerateSecretString" in properties:
        raise ValueError("SecretString and GenerateSecretString are mutually exclusive")
    if "SecretString" in properties:
        return str(properties["SecretString"])
    return generated_value(properties.get("GenerateSecretString") or {})


class KeyedReplica(ReplicaSecret):
    """moto's replica, encrypted with its own region's key (moto reports the primary's)."""

    kms_key_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        described = super().to_dict()
        if self.kms_key_id:
            described["KmsKeyId"] = self.kms_key_id
        return described


def key_replicas(scope: Scope, arn: str, replica_regions: list[dict[str, Any]]) -> None:
    """Give each replica the KmsKeyId its ReplicaRegions entry names."""
    for replica in replica_regions:
        if not replica.get("KmsKeyId"):
            continue
        region = replica["Region"]
        replica_arn = arn.replace(f":{scope.region_name}:", f":{region}:")
        stored = secretsmanager_backends[scope.account_id][region].secrets.get(replica_arn)
        if isinstance(stored, ReplicaSecret):
            stored.__class__ = KeyedReplica
            stored.kms_key_id = replica["KmsKeyId"]
            stored.config["KmsKeyId"] = replica["KmsKeyId"]


@register
class Secret(EmulatedResource):
    """AWS::SecretsManager::Secret: Ref and GetAtt Id are the secret's ARN."""

    TYPE = "AWS::SecretsManager::Secret"
    NAME_PROPERTY = "Name"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Id": "physical_id"}

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Secret":
        secrets = backend(scope)
        secrets.create_secret(
            name=properties.get("Name", name),
            secret_string=secret_value(properties),
            secret_binary=None,
            description=properties.get("Description"),
            tags=properties.get("Tags") or None,
            kms_key_id=properties.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=properties.get("ReplicaRegions", []),
            force_overwrite=False,
        )
        secret = secrets.describe_secret(properties.get("Name", name))
        key_replicas(scope, secret.arn, properties.get("ReplicaRegions", []))
        return cls(scope, secret.arn, properties)

    def update(self, properties: dict[str, Any], new_name: str) -> "Secret":
        secrets = backend(self.scope)
        value_changed = any(
            properties.get(k) != self.properties.get(k)
            for k in ("SecretString", "GenerateSecretString")
        )
        if value_changed:
            secrets.put_secret_value(
                self.physical_id, secret_value(properties), None, None, ["AWSCURRENT"]
            )
        secret = secrets.describe_secret(self.physical_id)
        secret.description = properties.get("Description")
        secret.kms_key_id = properties.get("KmsKeyId")
        secret.tags = properties.get("Tags") or None
        self.properties = properties
        return self

    def destroy(self) -> None:
        secrets = backend(self.scope)
        if secrets._is_valid_identifier(self.physical_id):
            # CloudFormation removes the replicas first (Secrets Manager refuses to delete a
            # secret that has any), then deletes without a recovery window.
            regions = [r["Region"] for r in self.properties.get("ReplicaRegions") or []]
            if regions:
                secrets.remove_regions_from_replication(self.physical_id, regions)
            secrets.delete_secret(self.physical_id, None, True)


def rotation_days(rules: dict[str, Any]) -> int:
    """AutomaticallyAfterDays, or the days of a `rate(N days)` ScheduleExpression."""
    if "AutomaticallyAfterDays" in rules:
        return int(rules["AutomaticallyAfterDays"])
    match = _RATE_DAYS.fullmatch(str(rules.get("ScheduleExpression", "")).strip())
    if not match:
        raise ValueError(
            "the local AWS records RotationRules with AutomaticallyAfterDays or "
            f"ScheduleExpression rate(N days); got {rules!r}"
        )
    return int(match.group(1))


@register
class RotationSchedule(EmulatedResource):
    """AWS::SecretsManager::RotationSchedule: Ref is the secret's ARN."""

    TYPE = "AWS::SecretsManager::RotationSchedule"
    REPLACED_BY = ("SecretId",)

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "RotationSchedule":
        resource = cls(scope, "", properties)
        resource.configure(properties)
        return resource

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        self.configure(properties)
        return self

    def configure(self, properties: dict[str, Any]) -> None:
        """Record the rotation on the secret."""
        if "HostedRotationLambda" in properties:
            raise ValueError("the local AWS does not create HostedRotationLambda functions")
        secret = backend(self.scope).describe_secret(properties["SecretId"])
        days = rotation_days(properties.get("RotationRules") or {})
        secret.rotation_requested = True
        secret.rotation_enabled = True
        secret.rotation_lambda_arn = properties.get("RotationLambdaARN", "")
        secret.auto_rotate_after_days = days
        secret.next_rotation_date = int(time.time()) + days * 86400
        self.physical_id = secret.arn
        self.properties = properties

    def destroy(self) -> None:
        secrets = backend(self.scope)
        if not secrets._is_valid_identifier(self.properties["SecretId"]):
            return
        secret = secrets.describe_secret(self.properties["SecretId"])
        secret.rotation_enabled = False
        secret.rotation_lambda_arn = ""
        secret.auto_rotate_after_days = 0


@register
class SecretTargetAttachment(EmulatedResource):
    """AWS::SecretsManager::SecretTargetAttachment: adds the database's connection facts
    (engine, host, port, dbClusterIdentifier) to the secret's JSON, as AWS does. Ref is the
    secret's ARN."""

    TYPE = "AWS::SecretsManager::SecretTargetAttachment"

    @classmethod
    def create(
        cls, scope: Scope, name: str, properties: dict[str, Any]
    ) -> "SecretTargetAttachment":
        if properties.get("TargetType") != "AWS::RDS::DBCluster":
            raise ValueError("the local AWS attaches secrets to AWS::RDS::DBCluster targets only")
        from moto.rds.models import rds_backends

        cluster = rds_backends[scope.account_id][scope.region_name].clusters[
            str(properties["TargetId"]).lower()
        ]
        secrets = backend(scope)
        secret = secrets.describe_secret(properties["SecretId"])
        current = secrets.get_secret_value(secret.arn, None, None)["SecretString"]
        document = json.loads(current)
        document.update(
            {
                "engine": "mysql",
                "host": cluster.endpoint,
                "port": int(cluster.port),
                "dbClusterIdentifier": cluster.db_cluster_identifier,
            }
        )
        secrets.put_secret_value(secret.arn, json.dumps(document), None, None, ["AWSCURRENT"])
        return cls(scope, secret.arn, properties)

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        return type(self).create(self.scope, new_name, properties)
