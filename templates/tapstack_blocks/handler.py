"""The thin `sceptre_handler` every template uses: validate input, build, render JSON."""

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sceptre.exceptions import TemplateSceptreHandlerError
from troposphere import Template
from troposphere.iam import Role

from tapstack_blocks.boundary import BOUNDARY_POLICY, UNBOUNDED_ROLES

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
    template = build(options)
    _refuse_roles_without_the_boundary(template_name, template)
    return template.to_json()


def _refuse_roles_without_the_boundary(template_name: str, template: Template) -> None:
    """Every role carries the permissions boundary (docs/security.md); the deploy role, made by
    the account's admin, is the one exception."""
    missing = [
        logical_id
        for logical_id, resource in template.resources.items()
        if isinstance(resource, Role)
        and "PermissionsBoundary" not in resource.properties
        and (template_name, logical_id) not in UNBOUNDED_ROLES
    ]
    file = f"templates/{template_name.replace('-', '_')}.py"
    if missing:
        raise TemplateSceptreHandlerError(
            "\n  ".join(
                [f"Roles without the permissions boundary in the {template_name} template:"]
                + [
                    f"{file}: Resources.{logical_id}.Properties.PermissionsBoundary = <missing>: "
                    "every tapstack role must carry "
                    f"{BOUNDARY_POLICY}-{{env}} (tapstack_blocks.boundary.permissions_boundary_arn)"
                    for logical_id in missing
                ]
            )
        )
