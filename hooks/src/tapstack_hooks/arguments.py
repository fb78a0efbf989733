"""One clear message for a malformed argument: each offending key, what it accepts, and what was
given.

Each argument model describes its fields (`Field(description=...)`: what the key accepts), so
the message comes from the same place as the validation and cannot drift from it.
"""

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sceptre.exceptions import InvalidHookArgumentSyntaxError
from sceptre.resolvers import CustomYamlTagBase, Resolver

Model = TypeVar("Model", bound=BaseModel)


def shown(value: Any) -> str:
    """`value` as the user wrote it, a nested resolver as `<Class resolver 'argument'>`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(shown(item) for item in value) + "]"
    if isinstance(value, CustomYamlTagBase):
        return f"<{type(value).__name__} resolver {shown(value._argument)}>"
    return repr(value)


def problems(model: type[BaseModel], err: ValidationError, given: Any) -> list[str]:
    """One line per offending key: what it accepts and what it was (or that it is unknown)."""
    fields = model.model_fields
    lines: list[str] = []
    seen: set[str] = set()
    for error in err.errors():
        loc = error["loc"]
        key = str(loc[0]) if loc else ""
        if key in seen:
            continue  # a union reports each of its members: one line a key is enough
        seen.add(key)
        if not loc:
            lines.append(f"the argument must be a mapping of {', '.join(fields)}")
        elif error["type"] == "extra_forbidden":
            lines.append(f"unknown key `{key}` (the keys are {', '.join(fields)})")
        elif key not in fields:
            lines.append(str(error["msg"]))
        elif error["type"] == "missing":
            lines.append(f"`{key}` is missing: it takes {_accepts(model, key)}")
        else:
            value = given.get(key, error["input"]) if isinstance(given, dict) else error["input"]
            detail = str(error.get("ctx", {}).get("error", "")) if "ctx" in error else ""
            lines.append(
                f"`{key}` takes {_accepts(model, key)}, not {shown(value)}"
                + (f" ({detail})" if detail else "")
            )
    return lines


def _accepts(model: type[BaseModel], key: str) -> str:
    return model.model_fields[key].description or "another value"


def message(tag: str, found: list[str], usage: str, given: Any) -> str:
    """`!tag: problem; problem. It takes USAGE. You gave GIVEN.`"""
    return f"!{tag}: {'; '.join(found)}. It takes {usage}. You gave {shown(given)}."


def parse(hook: Any, tag: str, model: type[Model], value: Any, usage: str) -> Model:
    """`model.model_validate(value)`, or one InvalidHookArgumentSyntaxError naming the stack,
    the tag, each offending key with what it accepts, the usage and what was given."""
    try:
        return model.model_validate(value)
    except ValidationError as err:
        found = problems(model, err, value)
        raise InvalidHookArgumentSyntaxError(
            f"{hook.stack.name}: {message(tag, found, usage, hook._argument)}"
        ) from err


def parse_for_resolver(
    resolver: Resolver, tag: str, model: type[Model], value: Any, usage: str
) -> Model:
    """`parse` for a resolver: Sceptre's InvalidResolverArgumentError, with the same message."""
    try:
        return model.model_validate(value)
    except ValidationError as err:
        found = problems(model, err, value)
        resolver.raise_invalid_argument_error(message(tag, found, usage, resolver._argument), err)
        raise  # raise_invalid_argument_error always raises


def refuse(hook: Any, tag: str, problem: str, usage: str) -> None:
    """Raise the same kind of message for a problem found outside the model."""
    raise InvalidHookArgumentSyntaxError(
        f"{hook.stack.name}: {message(tag, [problem], usage, hook._argument)}"
    )
