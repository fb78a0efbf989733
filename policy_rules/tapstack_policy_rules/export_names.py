"""E9003: every output is exported as `tapstack-{env}-{output}` (`Fn::Sub` of
`tapstack-${EnvironmentName}-<the output's logical id>`), the name other teams import."""

from typing import ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

PROJECT = "tapstack"


class ExportNames(CloudFormationLintRule):
    """An output not exported, or exported under another name."""

    id = "E9003"
    shortdesc = "Exports are named tapstack-{env}-{output}"
    description = "Every output is exported as tapstack-${EnvironmentName}-<output id>"
    source_url = "docs/architecture.md#project-policy-as-cfn-lint-rules"
    tags: ClassVar[list[str]] = ["tapstack", "outputs", "naming"]

    def match(self, cfn):
        """Each output whose export is missing or misnamed."""
        matches = []
        for name, output in cfn.template.get("Outputs", {}).items():
            expected = {"Fn::Sub": f"{PROJECT}-${{EnvironmentName}}-{name}"}
            export = output.get("Export")
            if not isinstance(export, dict):
                matches.append(RuleMatch(["Outputs", name], f"output {name} is not exported"))
            elif export.get("Name") != expected:
                message = f"output {name} is exported as {export.get('Name')!r}, not {expected}"
                matches.append(RuleMatch(["Outputs", name, "Export", "Name"], message))
        return matches
