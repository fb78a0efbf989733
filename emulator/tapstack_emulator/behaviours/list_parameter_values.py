"""DescribeStacks shows a List<…>/CommaDelimitedList parameter as AWS does: `a,b`.

moto keeps such a parameter as a Python list and prints its repr (`['a', 'b']`), so
`sceptre diff` saw a change in every stack with a subnet-list parameter.
"""

from typing import Any

from moto.cloudformation.models import Stack

_moto_parameter_list = Stack.parameter_list


def _parameter_list(self: Any) -> list[dict[str, Any]]:
    return [
        {**parameter, "ParameterValue": ",".join(str(v) for v in parameter["ParameterValue"])}
        if isinstance(parameter["ParameterValue"], list)
        else parameter
        for parameter in _moto_parameter_list.fget(self)
    ]


def apply() -> None:
    """Replace Stack.parameter_list with the AWS rendering."""
    Stack.parameter_list = property(_parameter_list)
