"""Every rendered Step Functions definition is valid Amazon States Language (asl-validator), and
the check does find a broken one."""

import copy

import pytest
from tapstack_tools.asl_definitions import state_machine_definitions, validation_errors


@pytest.fixture(scope="module")
def definitions(rendered) -> dict[str, dict]:
    return state_machine_definitions(rendered)


def test_every_state_machine_definition_is_valid_asl(definitions):
    assert any(name.endswith("/sync:SyncWorkflow") for name in definitions), definitions.keys()
    errors = {name: validation_errors(definition) for name, definition in definitions.items()}
    assert not any(errors.values()), errors


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        pytest.param(
            lambda states: states["Notify"].update(Next="NoSuchState"),
            "MISSING_TRANSITION_TARGET",
            id="next names no state",
        ),
        pytest.param(
            lambda states: states["ListTables"]["Parameters"].update({"tables.$": "$..[bad"}),
            "tables.$",
            id="bad JSONPath",
        ),
    ],
)
def test_the_check_reports_a_broken_definition(definitions, breakage, expected):
    (definition,) = [d for name, d in definitions.items() if name.endswith(":SyncWorkflow")]
    broken = copy.deepcopy(definition)
    breakage(broken["States"])
    errors = validation_errors(broken)
    assert any(expected in error for error in errors), errors
