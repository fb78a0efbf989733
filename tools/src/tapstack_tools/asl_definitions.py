"""Validate every Step Functions definition in the rendered templates with asl-validator.

asl-validator (npm, pinned in tools/scanners/package-lock.json, installed by `make env`) checks
a definition against the Amazon States Language: state types and their fields, transitions that
name existing states, a terminal state, JSONPath and intrinsic-function syntax, Resource ARNs.
Each state machine's `Definition` (or `DefinitionString`) is checked as CloudFormation passes
it, before DefinitionSubstitutions (`${SyncFunctionArn}` stays a placeholder string in
Parameters, which the language does not type). Used by `make lint` and
tests/test_asl_definitions.py.
"""

import json
import subprocess
import sys
import tempfile

from tapstack_tools.rendered_templates import PROJECT_DIR, render_all, template_document

VALIDATOR = PROJECT_DIR / "tools/scanners/node_modules/asl-validator/dist/bin/asl-validator.js"
STATE_MACHINE = "AWS::StepFunctions::StateMachine"


def state_machine_definitions(rendered: dict[str, dict]) -> dict[str, dict]:
    """{"stack:LogicalId": definition} for every distinct state machine definition."""
    found: dict[str, dict] = {}
    seen: set[str] = set()
    for name, stack in sorted(rendered.items()):
        resources = template_document(stack["body"]).get("Resources", {})
        for logical_id, resource in sorted(resources.items()):
            if resource["Type"] != STATE_MACHINE:
                continue
            properties = resource["Properties"]
            definition = properties.get("Definition") or json.loads(properties["DefinitionString"])
            canonical = json.dumps(definition, sort_keys=True)
            if canonical not in seen:
                seen.add(canonical)
                found[f"{name}:{logical_id}"] = definition
    return found


def validation_errors(definition: dict) -> list[str]:
    """asl-validator's errors for one definition (empty when it is valid)."""
    if not VALIDATOR.is_file():
        raise FileNotFoundError(
            f"{VALIDATOR} is missing: run `make env` (npm ci in tools/scanners)"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="tapstack-asl-") as file:
        json.dump(definition, file)
        file.flush()
        result = subprocess.run(  # noqa: S603 - fixed argv
            ["node", str(VALIDATOR), "--json-path", file.name],  # noqa: S607 - node on PATH
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    if result.returncode == 0:
        return []
    output = (result.stdout + result.stderr).splitlines()
    errors = [line.strip() for line in output if line.strip() and "State machine" not in line]
    return errors or [f"asl-validator exited {result.returncode}: {result.stderr[-500:]}"]


def main() -> int:
    """`tapstack-asl-check`: every state machine definition through asl-validator."""
    definitions = state_machine_definitions(render_all())
    total = 0
    for name, definition in definitions.items():
        for error in validation_errors(definition):
            print(f"{name}: {error}")
            total += 1
    print(
        f"{len(definitions)} state machine definitions checked with asl-validator, {total} errors"
    )
    return 1 if total or not definitions else 0


if __name__ == "__main__":
    sys.exit(main())
