"""AWS::CloudFormation::StackSet (self-managed permissions) on moto's StackSet API.

moto has CreateStackSet/CreateStackInstances (a self-managed instance is a real stack in the
target account and region, created by moto's CloudFormation) but no CloudFormation model. This
model checks what CloudFormation checks for self-managed permissions (the administration role
exists and CloudFormation may assume it; the execution role exists in every target account),
rolls the instances out one region at a time in RegionOrder (RegionConcurrencyType
SEQUENTIAL), and stops the operation when more instances fail in a region than
FailureToleranceCount allows. Ref is the StackSet id. Updates re-apply template and parameters
to every instance's stack; delete removes the instances, then the StackSet.
"""

import json
from typing import Any, ClassVar

from moto.cloudformation.models import CloudFormationBackend, cloudformation_backends
from moto.iam.models import iam_backends

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.registry import register

HEALTHY = ("CREATE_COMPLETE", "UPDATE_COMPLETE")


def backend(scope: Scope) -> CloudFormationBackend:
    """The administrator account's CloudFormation backend in the StackSet's region."""
    return cloudformation_backends[scope.account_id][scope.region_name]


def _role_trusts(account_id: str, role_name: str, principal: dict[str, str]) -> bool:
    role = iam_backends[account_id]["global"].get_role(role_name)
    document = role.assume_role_policy_document
    statements = json.loads(document)["Statement"] if isinstance(document, str) else []
    for statement in statements:
        given = statement.get("Principal", {})
        for key, value in principal.items():
            values = given.get(key, [])
            if value in (values if isinstance(values, list) else [values]):
                return True
    return False


def _check_roles(scope: Scope, properties: dict[str, Any], accounts: list[str]) -> None:
    admin_arn = properties.get("AdministrationRoleARN")
    execution = properties.get("ExecutionRoleName")
    if not admin_arn or not execution:
        raise ValueError(
            "the local AWS models SELF_MANAGED StackSets with an explicit AdministrationRoleARN "
            "and ExecutionRoleName"
        )
    admin_name = admin_arn.rsplit("/", 1)[-1]
    try:
        trusted = _role_trusts(
            scope.account_id, admin_name, {"Service": "cloudformation.amazonaws.com"}
        )
    except Exception as err:
        raise ValueError(f"AdministrationRoleARN {admin_arn} does not exist") from err
    if not trusted:
        raise ValueError(f"CloudFormation cannot assume the administration role {admin_arn}")
    for account in accounts:
        try:
            trusted = _role_trusts(account, execution, {"AWS": admin_arn})
        except Exception as err:
            raise ValueError(
                f"execution role {execution} does not exist in account {account}"
            ) from err
        if not trusted:
            raise ValueError(
                f"execution role {execution} in account {account} does not trust {admin_arn}"
            )


def _parameters(properties: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"ParameterKey": p["ParameterKey"], "ParameterValue": str(p["ParameterValue"])}
        for p in properties.get("Parameters", [])
    ]


def _targets(properties: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(accounts, regions in deployment order) of the StackInstancesGroup."""
    accounts: list[str] = []
    regions: list[str] = []
    for group in properties.get("StackInstancesGroup", []):
        targets = group["DeploymentTargets"]
        if "OrganizationalUnitIds" in targets:
            raise ValueError("a SELF_MANAGED StackSet targets accounts, not organizational units")
        accounts += [a for a in targets.get("Accounts", []) if a not in accounts]
        regions += [r for r in group["Regions"] if r not in regions]
    order = (properties.get("OperationPreferences") or {}).get("RegionOrder") or []
    unknown = [r for r in order if r not in regions]
    if unknown:
        raise ValueError(f"RegionOrder names regions the StackSet does not target: {unknown}")
    return accounts, order + [r for r in regions if r not in order]


@register
class StackSet(EmulatedResource):
    """AWS::CloudFormation::StackSet: Ref is the StackSet id."""

    TYPE = "AWS::CloudFormation::StackSet"
    NAME_PROPERTY = "StackSetName"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"StackSetId": "physical_id"}

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "StackSet":
        if properties.get("PermissionModel", "SELF_MANAGED") != "SELF_MANAGED":
            raise ValueError("the local AWS models SELF_MANAGED StackSets only")
        if "TemplateBody" not in properties:
            raise ValueError("the local AWS models StackSets with a TemplateBody")
        accounts, regions = _targets(properties)
        _check_roles(scope, properties, accounts)
        stack_set = backend(scope).create_stack_set(
            name=properties.get("StackSetName", name),
            template=properties["TemplateBody"],
            parameters=_parameters(properties),
            tags={t["Key"]: t["Value"] for t in properties.get("Tags", [])},
            permission_model="SELF_MANAGED",
            admin_role=properties["AdministrationRoleARN"],
            exec_role=properties["ExecutionRoleName"],
            description=properties.get("Description"),
        )
        resource = cls(scope, stack_set.id, properties)
        try:
            resource._roll_out(accounts, regions)
        except Exception:
            resource.destroy()
            raise
        return resource

    @property
    def stack_set(self) -> Any:
        return backend(self.scope).describe_stack_set(self.physical_id)

    def _tolerance(self) -> int:
        preferences = self.properties.get("OperationPreferences") or {}
        return int(preferences.get("FailureToleranceCount", 0))

    def _roll_out(self, accounts: list[str], regions: list[str]) -> None:
        """Create the instances region by region; stop past the failure tolerance."""
        parameters = _parameters(self.properties)
        for region in regions:
            self.stack_set.create_stack_instances(accounts, [region], None, parameters)
            failed = [
                f"{instance.account_id}/{region}: {instance.stack.status_reason}"
                for instance in self.stack_set.instances.stack_instances
                if instance.region_name == region and instance.stack.status not in HEALTHY
            ]
            if len(failed) > self._tolerance():
                raise ValueError(
                    "StackSet operation failed: more stack instances failed in "
                    f"{region} than FailureToleranceCount allows: {failed}"
                )

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        accounts, regions = _targets(properties)
        _check_roles(self.scope, properties, accounts)
        stack_set = self.stack_set
        stack_set.template = properties["TemplateBody"]
        stack_set.instances.template = properties["TemplateBody"]
        parameters = _parameters(properties)
        self.properties = properties
        for instance in list(stack_set.instances.stack_instances):
            if instance.region_name not in regions or instance.account_id not in accounts:
                stack_set.delete_stack_instances([instance.account_id], [instance.region_name])
                continue
            cloudformation_backends[instance.account_id][instance.region_name].update_stack(
                name=instance.stack.name,
                template=properties["TemplateBody"],
                role_arn=None,
                parameters=parameters,
                tags=None,
            )
        self._roll_out(accounts, regions)  # new targets; existing ones are left as they are
        return self

    def destroy(self) -> None:
        cloudformation = backend(self.scope)
        stack_set = cloudformation.stacksets.get(self.physical_id)
        if stack_set is None or stack_set.status == "DELETED":
            return
        for instance in list(stack_set.instances.stack_instances):
            stack_set.delete_stack_instances([instance.account_id], [instance.region_name])
        cloudformation.delete_stack_set(self.physical_id)
