"""`!cfn_lint`: refuse to create or update a stack whose template has cfn-lint findings.

Runs the real cfn-lint (every error, warning and informational rule) on the template Sceptre is
about to send, in the stack's region, and fails the launch listing each finding.
"""

from cfnlint.api import ManualArgs, lint
from pydantic import BaseModel, ConfigDict, ValidationError
from sceptre.exceptions import InvalidHookArgumentSyntaxError, SceptreException
from sceptre.hooks import Hook


class TemplateHasLintFindings(SceptreException):
    """The rendered template has cfn-lint findings."""


class CfnLintArguments(BaseModel):
    """Optional hook argument: cfn-lint rule ids to ignore, each with the reason why."""

    model_config = ConfigDict(extra="forbid")

    ignore: dict[str, str] = {}


def lint_findings(template_body: str, region: str, ignore: list[str] | None = None) -> list[str]:
    """cfn-lint findings (errors, warnings, informational) as `RULE line N: message` lines."""
    matches = lint(
        template_body,
        regions=[region],
        config=ManualArgs(include_checks=["I"], ignore_checks=list(ignore or [])),
    )
    return [
        f"{match.rule.id} line {match.linenumber}: {match.message}"
        for match in sorted(matches, key=lambda m: (m.linenumber, m.rule.id))
    ]


class CfnLint(Hook):
    """Lint the stack's template; raise when cfn-lint reports anything."""

    def setup(self) -> None:
        """Validate the argument when Sceptre builds its plan."""
        try:
            self._arguments = CfnLintArguments.model_validate(self.argument or {})
        except ValidationError as err:
            raise InvalidHookArgumentSyntaxError(
                f"{self.stack.name}: !cfn_lint takes an optional mapping "
                f"{{ignore: {{RULE_ID: reason}}}}. You gave {self.argument!r}."
            ) from err

    def run(self) -> None:
        """Lint the template body Sceptre will submit."""
        findings = lint_findings(
            self.stack.template.body, self.stack.region, list(self._arguments.ignore)
        )
        if findings:
            raise TemplateHasLintFindings(
                f"{self.stack.name}: cfn-lint found {len(findings)} problem(s):\n  "
                + "\n  ".join(findings)
            )
