"""How a change in one prod stack reaches others: outputs read through `!stack_output`.

A routine deploy changes parameters; a replaced resource, or a parameter an output passes
through, changes that stack's outputs, and every stack whose parameter reads such an output
(`!stack_output "group/stack.yaml::Output"` in config/) sees a changed parameter too. The
routine budget (tapstack_tools.routine_budget) follows these edges until nothing more changes.
"""

from collections import defaultdict
from collections.abc import Callable

OutputKey = tuple[str, str]  # (producer stack name, output name)
ParameterKey = tuple[str, str]  # (consumer stack name, parameter name)


def _stack_output_arguments(value: object) -> list[str]:
    """The `group/stack.yaml::Output` arguments of the !stack_output resolvers in `value`."""
    if type(value).__name__ == "StackOutput":
        return [str(value.argument)]
    if isinstance(value, dict):
        return [found for inner in value.values() for found in _stack_output_arguments(inner)]
    if isinstance(value, list):
        return [found for inner in value for found in _stack_output_arguments(inner)]
    return []


def output_readers(stacks: dict) -> dict[OutputKey, set[ParameterKey]]:
    """{(producer, output): {(consumer, parameter)}}: who reads which output, from config/."""
    readers: dict[OutputKey, set[ParameterKey]] = defaultdict(set)
    for consumer, stack in stacks.items():
        for parameter, value in (stack.config.get("parameters") or {}).items():
            for argument in _stack_output_arguments(value):
                path, output = argument.split("::", 1)
                readers[(path.removesuffix(".yaml"), output)].add((consumer, parameter))
    return readers


def changed_outputs(
    document: dict, changed_names: set[str], names_in: Callable[[object], set[str]]
) -> set[str]:
    """The outputs of `document` whose value refers to a changed name (a changed parameter or
    a replaced resource's logical id); `names_in` finds the names a value refers to."""
    return {
        name
        for name, output in (document.get("Outputs") or {}).items()
        if names_in(output.get("Value")) & changed_names
    }
