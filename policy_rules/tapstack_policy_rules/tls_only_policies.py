"""E9006: TLS-only resource policies. Every bucket, topic and queue policy denies everyone any
request without TLS (a Deny with `aws:SecureTransport` false; tapstack_blocks.tls_only)."""

from typing import ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tapstack_policy_rules._policies import is_everyone, statements

POLICY_TYPES = ("AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy")


def _denies_plain_transport(statement: dict) -> bool:
    secure = statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")
    return (
        statement.get("Effect") == "Deny"
        and is_everyone(statement.get("Principal"))
        and secure in (False, "false")
    )


class TlsOnlyPolicies(CloudFormationLintRule):
    """A resource policy that does not refuse requests without TLS."""

    id = "E9006"
    shortdesc = "Resource policies are TLS-only"
    description = "Bucket, topic and queue policies deny requests without TLS"
    source_url = "docs/architecture.md#project-policy-as-cfn-lint-rules"
    tags: ClassVar[list[str]] = ["tapstack", "policies", "tls"]

    def match(self, cfn):
        """Each bucket, topic or queue policy without the TLS deny."""
        matches = []
        for logical_id, resource in cfn.template.get("Resources", {}).items():
            if resource.get("Type") not in POLICY_TYPES:
                continue
            path = ["Resources", logical_id, "Properties", "PolicyDocument"]
            document = resource.get("Properties", {}).get("PolicyDocument")
            if not any(_denies_plain_transport(s) for _p, s in statements(document, path)):
                message = f"{logical_id}: no Deny of requests without TLS (aws:SecureTransport)"
                matches.append(RuleMatch(path, message))
        return matches
