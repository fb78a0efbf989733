"""E9007: exact principals. No policy statement allows `*` (any principal) without a condition
that narrows it: trust and resource policies name exact ARNs (docs/security.md). A Deny for
everyone (the TLS-only statement) is fine."""

from typing import ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tapstack_policy_rules._policies import is_everyone, policy_documents, statements


class ExactPrincipals(CloudFormationLintRule):
    """An Allow to any principal with no condition."""

    id = "E9007"
    shortdesc = "Exact principals"
    description = "No Allow statement names the principal * without a condition"
    source_url = "docs/architecture.md#project-policy-as-cfn-lint-rules"
    tags: ClassVar[list[str]] = ["tapstack", "policies", "iam"]

    def match(self, cfn):
        """Each unconditioned Allow to any principal, in any policy of any resource."""
        matches = []
        for logical_id, resource in cfn.template.get("Resources", {}).items():
            root = ["Resources", logical_id]
            for path, document in policy_documents(resource, root):
                for where, statement in statements(document, path):
                    if (
                        statement.get("Effect") == "Allow"
                        and is_everyone(statement.get("Principal"))
                        and not statement.get("Condition")
                    ):
                        message = f"{logical_id}: allows any principal (*) without a condition"
                        matches.append(RuleMatch([*where, "Principal"], message))
        return matches
