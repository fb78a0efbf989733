"""The environment model: what config/ declares, validated before any stack is touched.

`ProjectConfig` holds the project-wide facts of config/config.yaml (accounts, address plan);
`GroupConfig` the facts of one stack group (environment, region, AZ count, suffix, retention).
The `!deploy_role` resolver (tapstack_environment.deploy_role) validates both for every stack
when Sceptre builds its plan, so bad input stops `launch`, `diff` and `generate` before any AWS
call.
"""

import ipaddress
import re
from itertools import combinations
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tapstack_environment.aurora import (
    DEFAULT_ENGINE_VERSION,
    DEFAULT_INSTANCE_CLASS,
    ENGINE_VERSION_PATTERN,
    INSTANCE_CLASSES,
)
from tapstack_environment.conventions import ENVIRONMENTS, SUFFIX_DESCRIPTION, SUFFIX_PATTERN
from tapstack_environment.retention import RetentionWindows

ACCOUNT_ID_PATTERN = r"^\d{12}$"
# An IAM role or user, in an explicit 12-digit account: what a deploy role's trust may name.
DEPLOYER_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::(\d{12}):(role|user)/[\w+=,.@/-]{1,128}$"
SHARED_DEPLOYER_WARNING = (
    "shared_deployer is true: one deployer may assume more than one environment's deploy role, "
    "so whoever runs one environment's pipeline holds the others too (docs/security.md)"
)
REGION_PATTERN = r"^[a-z]{2}(-gov)?-[a-z]+-\d$"
VPC_PREFIX_LENGTH = 16  # subnets are /20 slices of a /16 (see tapstack_blocks.subnets)
TABLE_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
# Bookkeeping tables of the migrator: never synced (the sync refuses the marker itself).
NEVER_SYNCED = ("tapstack_environment", "schema_history")


def _known_environment(name: str) -> str:
    if name not in ENVIRONMENTS:
        raise ValueError(f"unknown environment; known environments are {', '.join(ENVIRONMENTS)}")
    return name


def _vpc_network(value: str) -> ipaddress.IPv4Network:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as err:
        raise ValueError(f"not a valid IPv4 CIDR block ({err})") from err
    if network.prefixlen != VPC_PREFIX_LENGTH:
        raise ValueError(f"a VPC CIDR must be a /{VPC_PREFIX_LENGTH}")
    if not network.is_private:
        raise ValueError("a VPC CIDR must be a private (RFC 1918) range")
    return network


EnvironmentName = Annotated[str, AfterValidator(_known_environment)]
AccountId = Annotated[str, StringConstraints(pattern=ACCOUNT_ID_PATTERN)]
Region = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]
VpcCidr = Annotated[str, AfterValidator(lambda value: str(_vpc_network(value)))]
TableName = Annotated[str, StringConstraints(pattern=TABLE_NAME_PATTERN)]


def _deployer_arn(value: str) -> str:
    if not re.fullmatch(DEPLOYER_ARN_PATTERN, value):
        raise ValueError(
            "not the ARN of an IAM role or user in a 12-digit account "
            "(arn:aws:iam::123456789012:role/NAME)"
        )
    return value


DeployerArn = Annotated[str, AfterValidator(_deployer_arn)]


class ProjectConfig(BaseModel):
    """Project-wide facts from config/config.yaml."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    project_code: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,30}$")]
    accounts: dict[EnvironmentName, AccountId]
    address_plan: dict[EnvironmentName, dict[Region, VpcCidr]]
    # The reference tables the sync may copy (and its database users may touch).
    sync_allowlist: Annotated[tuple[TableName, ...], Field(min_length=1)]
    # Declared before `deployers`, whose validator reads it.
    shared_deployer: bool = False
    # Who may assume each environment's deploy role: one principal per environment.
    deployers: dict[EnvironmentName, DeployerArn]

    @field_validator("deployers")
    @classmethod
    def _one_deployer_per_environment(
        cls, deployers: dict[str, str], info: ValidationInfo
    ) -> dict[str, str]:
        missing = [env for env in info.data.get("accounts", {}) if env not in deployers]
        if missing:
            raise ValueError(f"names no deployer for {', '.join(missing)}")
        if info.data.get("shared_deployer"):
            return deployers
        by_principal: dict[str, list[str]] = {}
        for environment, principal in deployers.items():
            by_principal.setdefault(principal, []).append(environment)
        for principal, environments in by_principal.items():
            if len(environments) > 1:
                raise ValueError(
                    f"{' and '.join(environments)} share the deployer {principal}; give each "
                    "environment its own, or set shared_deployer: true (docs/security.md)"
                )
        return deployers

    @property
    def shares_deployers(self) -> bool:
        """True when two environments name the same deployer (allowed by shared_deployer)."""
        return len(set(self.deployers.values())) < len(self.deployers)

    @field_validator("sync_allowlist")
    @classmethod
    def _allowlist_names_reference_tables_once(cls, tables: tuple[str, ...]) -> tuple[str, ...]:
        duplicates = sorted({table for table in tables if tables.count(table) > 1})
        if duplicates:
            raise ValueError(f"lists {', '.join(duplicates)} more than once")
        bookkeeping = [table for table in tables if table in NEVER_SYNCED]
        if bookkeeping:
            raise ValueError(f"{', '.join(bookkeeping)} is the migrator's own and never synced")
        return tables

    @model_validator(mode="after")
    def _every_environment_has_an_account(self) -> "ProjectConfig":
        missing = [env for env in self.address_plan if env not in self.accounts]
        if missing:
            raise ValueError(f"address_plan names environments without an account: {missing}")
        return self

    @field_validator("address_plan")
    @classmethod
    def _vpc_cidrs_do_not_overlap(
        cls, address_plan: dict[str, dict[str, str]]
    ) -> dict[str, dict[str, str]]:
        vpcs = [
            (f"{env}/{region}", ipaddress.IPv4Network(cidr))
            for env, regions in address_plan.items()
            for region, cidr in regions.items()
        ]
        for (name_a, net_a), (name_b, net_b) in combinations(vpcs, 2):
            if net_a.overlaps(net_b):
                raise ValueError(
                    f"VPC CIDR {net_a} of {name_a} overlaps {net_b} of {name_b}; "
                    "peered VPCs need disjoint address ranges"
                )
        return address_plan

    def vpc_cidr(self, environment: str, region: str) -> str:
        """The VPC CIDR the address plan assigns to an environment in a region."""
        try:
            return self.address_plan[environment][region]
        except KeyError:
            raise ValueError(
                f"address_plan has no VPC CIDR for {environment} in {region}"
            ) from None


class GroupConfig(BaseModel):
    """Facts of one stack group (config/{env}/config.yaml and config/{env}/{region}/).

    A `global` group (config/global/) holds an environment's cross-region stacks (StackSet,
    Route 53): it runs in the environment's home region, has no VPC of its own, and names the
    regions its StackSet targets (`stackset_regions`, each one a region of the address plan).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    environment: EnvironmentName
    region: Region
    scope: Literal["regional", "global"] = "regional"
    stackset_regions: Annotated[list[Region], Field(validate_default=True)] = []
    az_count: Annotated[int | None, Field(ge=2, le=3, validate_default=True)] = None
    environment_suffix: Annotated[
        str, StringConstraints(pattern=SUFFIX_PATTERN), Field(description=SUFFIX_DESCRIPTION)
    ]
    database_engine_version: Annotated[str, StringConstraints(pattern=ENGINE_VERSION_PATTERN)] = (
        DEFAULT_ENGINE_VERSION
    )
    database_instance_class: str = DEFAULT_INSTANCE_CLASS
    # Data protection (tapstack_blocks.protection, docs/operations.md): a YAML bool, off unless
    # the environment says `protect_data: true`.
    protect_data: StrictBool = False
    # Retention and deletion windows (config/{env}/config.yaml): a regional group's stacks use them.
    retention: Annotated[RetentionWindows | None, Field(validate_default=True)] = None

    @field_validator("stackset_regions")
    @classmethod
    def _stackset_regions_in_global_groups_only(
        cls, regions: list[str], info: ValidationInfo
    ) -> list[str]:
        scope = info.data.get("scope")
        if scope == "regional" and regions:
            raise ValueError("stackset_regions belongs in a global group (scope: global)")
        if scope == "global" and not regions:
            raise ValueError("a global group must name its stackset_regions")
        if len(set(regions)) != len(regions):
            raise ValueError(f"repeats a region: {regions}")
        return regions

    @field_validator("az_count")
    @classmethod
    def _az_count_for_regional_groups(
        cls, az_count: int | None, info: ValidationInfo
    ) -> int | None:
        if info.data.get("scope") == "regional" and az_count is None:
            raise ValueError("az_count is required for a regional group")
        return az_count

    @field_validator("retention")
    @classmethod
    def _retention_for_regional_groups(
        cls, retention: RetentionWindows | None, info: ValidationInfo
    ) -> RetentionWindows | None:
        if info.data.get("scope") == "regional" and retention is None:
            raise ValueError("retention is required for a regional group")
        return retention

    @property
    def expected_path(self) -> str:
        """Where this group's config belongs: config/{env}/{region}, or config/global."""
        return "global" if self.scope == "global" else f"{self.environment}/{self.region}"

    @field_validator("database_instance_class")
    @classmethod
    def _memory_optimised_class(cls, value: str) -> str:
        if value not in INSTANCE_CLASSES:
            raise ValueError("must be db.r5.large or a larger memory-optimised class")
        return value
