"""The thin `sceptre_handler` every template uses: validate input, build, render JSON."""

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sceptre.exceptions import TemplateSceptreHandlerError
from troposphere import Template

Options = TypeVar("Options", bound=BaseModel)


def render(
    template_name: str,
    options_model: type[Options],
    build: Callable[[Options], Template],
    sceptre_user_data: dict[str, Any] | None,
) -> str:
    """Validate `sceptre_user_data` against `options_model`, build and return JSON."""
    try:
        options = options_model.model_validate(sceptre_user_data or {})
    except ValidationError as err:
        problems = "\n  ".join(
            f"sceptre_user_data.{'.'.join(str(p) for p in e['loc'])} = {e.get('input')!r}: "
            f"{e['msg']}"
            for e in err.errors()
        )
        raise TemplateSceptreHandlerError(
            f"Invalid sceptre_user_data for the {template_name} template:\n  {problems}"
        ) from err
    return build(options).to_json()
