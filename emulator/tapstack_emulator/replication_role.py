"""What S3 checks of a replication rule's IAM role before it replicates one object version.

As in AWS: the role must exist in the source bucket's account and trust s3.amazonaws.com
(conditions evaluated with aws:SourceAccount and aws:SourceArn); its policies (inline and
attached) must allow reading the source version and writing the replica; for SSE-KMS, each KMS
call must be allowed by the key's policy (naming the role, or the account root together with the
role's own policies) with the context S3 calls KMS in: kms:ViaService `s3.<region>.amazonaws.com`,
kms:CallerAccount, and the encryption context `aws:s3:arn`, which is the object's ARN, or the
bucket's ARN when the object uses an S3 Bucket Key. Any explicit Deny (role policy, key policy,
bucket policy) refuses.
"""

import json
from dataclasses import dataclass
from typing import Any

from moto.iam.models import iam_backends
from moto.kms.models import kms_backends
from moto.s3.models import FakeBucket
from tapstack_iam_policy import ALLOW, DENY, Request, decide

S3_SERVICE = "s3.amazonaws.com"


class ReplicationDeniedError(Exception):
    """S3 could not replicate with this role (the reason says which check failed)."""


@dataclass(frozen=True)
class ReplicationRole:
    """A replication rule's role: its ARN, account and policy documents."""

    arn: str
    account_id: str
    documents: tuple[str, ...]

    @property
    def itself(self) -> dict[str, set[str]]:
        """A resource policy's principals that name the role itself."""
        return {"AWS": {self.arn}}

    @property
    def its_account(self) -> dict[str, set[str]]:
        """A resource policy's principals that name the role's account (IAM decides then)."""
        partition = self.arn.split(":")[1]
        return {"AWS": {self.account_id, f"arn:{partition}:iam::{self.account_id}:root"}}

    def context(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The condition keys of a request S3 makes as this role."""
        return {
            "aws:PrincipalArn": self.arn,
            "aws:PrincipalAccount": self.account_id,
            "aws:SecureTransport": "true",
            **(extra or {}),
        }


def _role_named(role_arn: str) -> Any:
    parts = role_arn.split(":")
    if len(parts) < 6 or not parts[5].startswith("role/"):
        return None
    backend = iam_backends[parts[4]][parts[1]]
    name = parts[5].rsplit("/", 1)[-1]
    return next((role for role in backend.roles.values() if role.name == name), None)


def _documents(role: Any) -> tuple[str, ...]:
    inline = [_json(document) for document in role.policies.values()]
    attached = [
        version.document
        for policy in role.managed_policies.values()
        for version in policy.versions
        if version.is_default
    ]
    return (*inline, *attached)


def _json(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def assume(role_arn: str, source_account: str, source_bucket_arn: str) -> ReplicationRole:
    """The role S3 assumes for the source bucket, after checking it exists and trusts S3."""
    role = _role_named(role_arn)
    if role is None or role.account_id != source_account:
        raise ReplicationDeniedError(f"role {role_arn} does not exist in account {source_account}")
    trust = Request(
        action="sts:AssumeRole",
        resource=role.arn,
        principals={"Service": {S3_SERVICE}},
        context={"aws:SourceAccount": source_account, "aws:SourceArn": source_bucket_arn},
    )
    if decide([_json(role.assume_role_policy_document)], trust) != ALLOW:
        raise ReplicationDeniedError(f"role {role_arn} does not trust {S3_SERVICE}")
    return ReplicationRole(role.arn, role.account_id, _documents(role))


def require_s3(role: ReplicationRole, action: str, resource: str, bucket: FakeBucket) -> None:
    """`action` on `resource` (in `bucket`) must be allowed by the role and not denied by the
    bucket policy; a bucket of another account must allow the role in its policy."""
    request = Request(action=action, resource=resource, context=role.context())
    if decide(role.documents, request) != ALLOW:
        raise ReplicationDeniedError(f"role {role.arn} is not allowed {action} on {resource}")
    policies = [bucket.policy.decode()] if bucket.policy else []
    anyone_of_role = {"AWS": role.itself["AWS"] | role.its_account["AWS"]}
    bucket_decision = decide(policies, Request(action, resource, request.context, anyone_of_role))
    if bucket_decision == DENY:
        raise ReplicationDeniedError(
            f"the policy of bucket {bucket.name} denies {action} on {resource}"
        )
    if bucket.account_id != role.account_id and bucket_decision != ALLOW:
        raise ReplicationDeniedError(f"the policy of bucket {bucket.name} does not allow {action}")


def require_kms(
    role: ReplicationRole, action: str, key_id: str, region: str, encryption_context_arn: str
) -> str:
    """`action` with KMS key `key_id` (through S3 in `region`) must be allowed; the key must
    exist and be Enabled. Returns the key's ARN."""
    account = key_id.split(":")[4] if key_id.startswith("arn:") else role.account_id
    if key_id.startswith("arn:"):
        region = key_id.split(":")[3]
    try:
        key = kms_backends[account][region].describe_key(key_id)
    except Exception:
        raise ReplicationDeniedError(f"KMS key {key_id} does not exist in {region}") from None
    if key.key_state != "Enabled":
        raise ReplicationDeniedError(f"KMS key {key.arn} is {key.key_state}")
    context = role.context(
        {
            "kms:ViaService": f"s3.{region}.amazonaws.com",
            "kms:CallerAccount": role.account_id,
            "kms:EncryptionContext:aws:s3:arn": encryption_context_arn,
        }
    )
    request = Request(action=action, resource=key.arn, context=context)
    identity = decide(role.documents, request)
    as_role = decide([key.policy], Request(action, key.arn, context, role.itself))
    as_account = decide([key.policy], Request(action, key.arn, context, role.its_account))
    allowed = as_role == ALLOW or (as_account == ALLOW and identity == ALLOW)
    if DENY in (identity, as_role, as_account) or not allowed:
        raise ReplicationDeniedError(
            f"role {role.arn} is not allowed {action} on {key.arn} through S3 "
            f"(encryption context aws:s3:arn={encryption_context_arn})"
        )
    return key.arn
