"""CloudWatch metric math for alarms: arithmetic and the MAX/MIN/SUM/AVG of a list, per period.

Covers what alarms here use (`100 * errors / invocations`, `MAX([staging, dev])`): numbers,
query ids, `+ - * /`, unary minus, parentheses, and MAX, MIN, SUM, AVG over `[...]`. A term
without a value for the period (no data, or a division by zero) leaves the period without a
datapoint, as CloudWatch drops it. Anything else is refused with UnsupportedExpressionError.
"""

import ast
import operator
from collections.abc import Callable, Mapping

Value = float | None
_BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_LIST_FUNCTIONS: dict[str, Callable[[list[float]], float]] = {
    "MAX": max,
    "MIN": min,
    "SUM": sum,
    "AVG": lambda values: sum(values) / len(values),
}


class UnsupportedExpressionError(ValueError):
    """The expression uses metric math the local AWS does not evaluate."""


def evaluate(expression: str, values: Mapping[str, Value]) -> Value:
    """The expression's value for one period, given each query id's value (None: no data)."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as err:
        raise UnsupportedExpressionError(f"cannot read metric math {expression!r}") from err
    return _value(tree.body, values, expression)


def _value(node: ast.AST, values: Mapping[str, Value], expression: str) -> Value:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id not in values:
            raise UnsupportedExpressionError(f"{expression!r} names no query {node.id!r}")
        return values[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = _value(node.operand, values, expression)
        return None if operand is None else -operand
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _value(node.left, values, expression)
        right = _value(node.right, values, expression)
        if left is None or right is None:
            return None
        try:
            return _BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            return None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _LIST_FUNCTIONS
        and len(node.args) == 1
        and isinstance(node.args[0], ast.List)
    ):
        items = [_value(item, values, expression) for item in node.args[0].elts]
        present = [item for item in items if item is not None]
        return _LIST_FUNCTIONS[node.func.id](present) if present else None
    raise UnsupportedExpressionError(f"the local AWS does not evaluate metric math {expression!r}")
