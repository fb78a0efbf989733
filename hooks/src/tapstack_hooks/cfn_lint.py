"""`!cfn_lint`: refuse to create or update a stack whose template has cfn-lint findings.

Runs the real cfn-lint (every error, warning and informational rule, plus the custom rules of
the folders given as `rules`) on the template Sceptre is about to send, in the stack's region,
and fails the launch listing each finding. cfn-lint is an
extra (`pip install 'sceptre-tapstack-hooks[cfn-lint]'`): it is imported only by this hook, and
its absence is one clear message when Sceptre builds its plan.

A clean result is remembered (tapstack_hooks.lint_cache): launching the same template again, in
the same region, with the same cfn-lint version, ignore list and rule sources, does not lint it
again. Findings are never remembered.
"""

import importlib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sceptre.exceptions import SceptreException
from sceptre.hooks import Hook

from tapstack_hooks.arguments import parse
from tapstack_hooks.hook_points import check_placement
from tapstack_hooks.lint_cache import LintCache
from tapstack_hooks.project import project_path

TAG = "cfn_lint"
POINTS = ("before_create", "before_update", "before_create_change_set", "before_validate")
USAGE = (
    "nothing, or {ignore: {RULE_ID: why it is ignored}, rules: [FOLDER, ...]}, a non-empty "
    "reason each, folders of cfn-lint rule modules relative to the project"
)
RuleId = Annotated[str, StringConstraints(pattern=r"^[EWI]\d{4}$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class TemplateHasLintFindings(SceptreException):
    """The rendered template has cfn-lint findings."""


class RulesFolderMissingError(SceptreException):
    """A `rules` folder of the hook does not exist in the project."""


class CfnLintMissingError(SceptreException):
    """cfn-lint, the hook's optional dependency, is not installed."""


class CfnLintArguments(BaseModel):
    """Optional hook argument: rule ids to ignore (each with the reason why), and folders of
    custom rules (cfn-lint's append_rules) to run besides cfn-lint's own."""

    model_config = ConfigDict(extra="forbid")

    ignore: dict[RuleId, Reason] = Field(
        default={},
        description="a mapping of rule ids (E1234, W1234, I1234) to a non-empty reason each",
    )
    rules: list[Reason] = Field(
        default=[], description="a list of folders of cfn-lint rule modules (project-relative)"
    )


def lint_findings(
    template_body: str,
    region: str,
    ignore: list[str] | None = None,
    rules: tuple[str, ...] = (),
) -> list[str]:
    """cfn-lint findings (errors, warnings, informational) as `RULE line N: message` lines;
    `rules` are folders of custom rules run besides cfn-lint's own (its append_rules)."""
    api = importlib.import_module("cfnlint.api")
    matches = api.lint(
        template_body,
        regions=[region],
        config=api.ManualArgs(
            include_checks=["I"], ignore_checks=list(ignore or []), append_rules=list(rules)
        ),
    )
    return [
        f"{match.rule.id} line {match.linenumber}: {match.message}"
        for match in sorted(matches, key=lambda m: (m.linenumber, m.rule.id))
    ]


def remembered_findings(
    template_body: str,
    region: str,
    ignore: list[str] | None = None,
    rules: tuple[str, ...] = (),
) -> list[str]:
    """lint_findings, unless these exact inputs linted clean before (tapstack_hooks.lint_cache,
    the passes `!cfn_lint` remembers); a clean result is remembered, findings never are."""
    cache = LintCache.for_inputs(template_body, region, list(ignore or []), rules)
    if cache.passed_before():
        return []
    findings = lint_findings(template_body, region, ignore, rules)
    if not findings:
        cache.remember_pass()
    return findings


def require_cfn_lint(stack_name: str) -> None:
    """Raise one clear message when cfn-lint is not installed."""
    try:
        importlib.import_module("cfnlint.api")
    except ImportError as err:
        raise CfnLintMissingError(
            f"{stack_name}: !{TAG} needs cfn-lint, an optional dependency: "
            "pip install 'sceptre-tapstack-hooks[cfn-lint]'"
        ) from err


class CfnLint(Hook):
    """Lint the stack's template; raise when cfn-lint reports anything."""

    def setup(self) -> None:
        """Validate the argument, the hook point and cfn-lint's presence at plan time."""
        check_placement(self, TAG, POINTS, running=False)
        self._arguments = parse(self, TAG, CfnLintArguments, self._argument or {}, USAGE)
        require_cfn_lint(self.stack.name)

    def run(self) -> None:
        """Lint the template body Sceptre will submit."""
        check_placement(self, TAG, POINTS, running=True)
        project = project_path(self.stack)
        body, region = self.stack.template.body, self.stack.region
        ignore = list(self._arguments.ignore)
        rules = tuple(str(project / folder) for folder in self._arguments.rules)
        missing = [folder for folder in rules if not Path(folder).is_dir()]
        if missing:
            raise RulesFolderMissingError(
                f"{self.stack.name}: !{TAG}: `rules` names {', '.join(missing)}, which is not a "
                "folder of the project; nothing was linted or sent"
            )
        cache = LintCache.for_inputs(body, region, ignore, rules)
        if cache.passed_before():
            self.logger.info("cfn-lint passed this template before (%s): not linted again", cache)
            return
        findings = lint_findings(body, region, ignore, rules)
        if not findings:
            cache.remember_pass()
        if findings:
            raise TemplateHasLintFindings(
                f"{self.stack.name}: cfn-lint found {len(findings)} problem(s):\n  "
                + "\n  ".join(findings)
            )
