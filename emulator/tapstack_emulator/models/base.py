"""The shape every emulator model shares: one CloudFormation resource backed by a moto backend.

A model subclasses `EmulatedResource`, names its type, and implements `create` (and where
CloudFormation updates in place, `update`, with `REPLACED_BY` naming the properties whose change
replaces the resource instead, see `replacement`; `destroy` to delete). moto's parser calls the
`*_from_cloudformation_json` hooks below; they hand the model resolved properties only.
"""

from dataclasses import dataclass
from typing import Any, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

from tapstack_emulator.models.replacement import renamed, requires_replacement


@dataclass(frozen=True)
class Scope:
    """Where a resource lives and who creates it."""

    account_id: str
    region_name: str
    logical_id: str = ""
    stack_id: str = ""

    @property
    def stack_name(self) -> str:
        """The stack's name, from its id (arn:...:stack/NAME/UUID)."""
        return self.stack_id.split("/")[1] if "/" in self.stack_id else ""


class EmulatedResource(CloudFormationModel):
    """A created resource: its physical id, the properties it was built from, its attributes."""

    TYPE: ClassVar[str] = ""
    NAME_PROPERTY: ClassVar[str] = ""
    #: attribute name -> instance attribute holding it (for Fn::GetAtt)
    ATTRIBUTES: ClassVar[dict[str, str]] = {}
    #: properties whose change replaces the resource ("Update requires: Replacement")
    REPLACED_BY: ClassVar[tuple[str, ...]] = ()
    #: the value such a property has when the template omits it
    REPLACED_BY_DEFAULTS: ClassVar[dict[str, Any]] = {}

    def __init__(self, scope: Scope, physical_id: str, properties: dict[str, Any]) -> None:
        self.scope = scope
        self.physical_id = physical_id
        self.properties = properties

    # -- what a model implements ---------------------------------------------------------

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "EmulatedResource":
        """Create the resource in moto's backend; `name` is the physical name to use."""
        raise NotImplementedError

    def update(self, properties: dict[str, Any], new_name: str) -> "EmulatedResource":
        """Apply new properties in place; the default replaces the resource on any change."""
        return self.replace(properties, new_name)

    @classmethod
    def replacement_value(cls, name: str, properties: dict[str, Any]) -> Any:
        """The value of a REPLACED_BY property that decides replacement (override to normalise)."""
        return properties.get(name, cls.REPLACED_BY_DEFAULTS.get(name))

    def replace(self, properties: dict[str, Any], new_name: str) -> "EmulatedResource":
        """A new resource in its place: created first when its name differs (CloudFormation's
        order), else created after this one is deleted (a name is unique)."""
        if renamed(type(self), self.properties, properties, self.physical_id):
            replacement = type(self).create(self.scope, new_name, properties)
            self.destroy()
            return replacement
        self.destroy()
        return type(self).create(self.scope, new_name, properties)

    def destroy(self) -> None:
        """Delete the resource from moto's backend."""

    # -- moto's CloudFormationModel interface ---------------------------------------------

    @property
    def physical_resource_id(self) -> str:
        """What Ref returns."""
        return self.physical_id

    @classmethod
    def cloudformation_type(cls) -> str:  # type: ignore[override]
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:  # type: ignore[override]
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return getattr(self, self.ATTRIBUTES[attribute_name])

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "EmulatedResource":
        scope = Scope(
            account_id, region_name, kwargs.get("LogicalId", ""), kwargs.get("StackId", "")
        )
        return cls.create(scope, resource_name, cloudformation_json.get("Properties") or {})

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[override]
        cls,
        original_resource: "EmulatedResource",
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> "EmulatedResource":
        properties = cloudformation_json.get("Properties") or {}
        old = original_resource
        if requires_replacement(cls, old.properties, properties, old.physical_id):
            return old.replace(properties, new_resource_name)
        return old.update(properties, new_resource_name)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[override]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        raise NotImplementedError(f"{cls.TYPE} is deleted through its instance")

    def delete(self, account_id: str, region_name: str) -> None:
        """moto's ResourceMap deletes through this."""
        self.destroy()

    def is_created(self) -> bool:
        return True
