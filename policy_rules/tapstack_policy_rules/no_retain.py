"""E9001: nothing is retained. Every resource goes with its stack (dev and staging tear down
completely; prod keeps only what a Snapshot policy keeps), so no DeletionPolicy or
UpdateReplacePolicy is Retain or RetainExceptOnCreate."""

from typing import ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

RETAINING = ("Retain", "RetainExceptOnCreate")


class NoRetainPolicy(CloudFormationLintRule):
    """A resource whose DeletionPolicy or UpdateReplacePolicy keeps it."""

    id = "E9001"
    shortdesc = "Nothing is retained"
    description = "No DeletionPolicy or UpdateReplacePolicy Retain (tapstack: destroyable)"
    source_url = "docs/architecture.md#project-policy-as-cfn-lint-rules"
    tags: ClassVar[list[str]] = ["tapstack", "resources", "deletion"]

    def match(self, cfn):
        """Each Retain* policy, at its key."""
        matches = []
        for logical_id, resource in cfn.template.get("Resources", {}).items():
            for key in ("DeletionPolicy", "UpdateReplacePolicy"):
                if resource.get(key) in RETAINING:
                    message = f"{logical_id}: {key} {resource[key]} keeps it after its stack"
                    matches.append(RuleMatch(["Resources", logical_id, key], message))
        return matches
