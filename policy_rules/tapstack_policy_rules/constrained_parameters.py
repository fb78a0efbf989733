"""E9002: every parameter is constrained. A value the config could not hold is refused by
CloudFormation too: AllowedValues, AllowedPattern or MinValue/MaxValue (or an AWS-specific type,
which CloudFormation checks itself), and a ConstraintDescription that says what is expected."""

from typing import ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

CONSTRAINTS = ("AllowedValues", "AllowedPattern", "MinValue", "MaxValue")


class ConstrainedParameters(CloudFormationLintRule):
    """A parameter without a constraint, or without a ConstraintDescription."""

    id = "E9002"
    shortdesc = "Parameters are constrained"
    description = "Every parameter has a constraint (or an AWS type) and a ConstraintDescription"
    source_url = "docs/architecture.md#project-policy-as-cfn-lint-rules"
    tags: ClassVar[list[str]] = ["tapstack", "parameters"]

    def match(self, cfn):
        """Each parameter lacking a constraint or its description."""
        matches = []
        for name, parameter in cfn.template.get("Parameters", {}).items():
            path = ["Parameters", name]
            aws_type = str(parameter.get("Type", "")).startswith(("AWS::", "List<AWS::"))
            if not aws_type and not any(key in parameter for key in CONSTRAINTS):
                matches.append(RuleMatch(path, f"parameter {name} accepts any value"))
            if not parameter.get("ConstraintDescription"):
                matches.append(RuleMatch(path, f"parameter {name} has no ConstraintDescription"))
        return matches
