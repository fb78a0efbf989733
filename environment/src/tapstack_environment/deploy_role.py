"""`!deploy_role`: the role a stack group assumes, built from the accounts map in config/.

Used as `sceptre_role: !deploy_role` in config/config.yaml. Sceptre sets a resolver up when it
builds its plan, before any stack action, so `setup()` is where the environment model is
validated: bad config stops `launch`, `diff` and `generate` with one message and touches nothing.
"""

import logging

from pydantic import ValidationError
from sceptre.exceptions import InvalidConfigFileError
from sceptre.resolvers import Resolver
from tapstack_resolvers.accounts import role_arn

from tapstack_environment import conventions
from tapstack_environment.aurora import MYSQL_57_WARNING, is_mysql_57
from tapstack_environment.config_errors import (
    config_files_for,
    describe_validation_error,
    where_key_is_set,
)
from tapstack_environment.model import SHARED_DEPLOYER_WARNING, GroupConfig, ProjectConfig

# A child of Sceptre's logger, so warnings print the way Sceptre's own messages do.
LOGGER = logging.getLogger("sceptre.tapstack")


def command_path_problems(command_path: str | None) -> list[str]:
    """A command path Sceptre 4.7 builds a wrong graph for: one with a `.` segment
    (`sceptre launch .`), which fails with NetworkXError now and then (docs/sceptre-dot-path.md)."""
    if command_path is None or "." not in command_path.split("/"):
        return []
    return [
        f"command path {command_path!r}: Sceptre 4.7 builds a wrong stack graph for a path with "
        "a `.` in it (NetworkXError: The node ... is not in the graph; docs/sceptre-dot-path.md). "
        "Give the whole estate as '' (`sceptre launch -y ''`), a group as its path "
        "(`sceptre launch -y prod/us-east-1`)"
    ]


class DeployRole(Resolver):
    """Resolve to `arn:{partition}:iam::{account}:role/tapstack-deploy-{environment}`: the role
    the iam stack creates, named once (`tapstack_environment.conventions.DEPLOY_ROLE`)."""

    def setup(self) -> None:
        """Validate the project and group config for this stack; raise naming file and key."""
        config = self.stack.config
        project_path = config["project_path"]
        files = config_files_for(project_path, self.stack.name)
        problems: list[str] = []
        if self.argument is not None:  # the name is the iam stack's, never chosen per stack
            problems.append(
                f"!deploy_role takes no argument (the role is {conventions.DEPLOY_ROLE}-{{env}}, "
                f"the one the iam stack creates). You gave {self.argument!r}."
            )
        self._project = self._validated(ProjectConfig, config, files, project_path, problems)
        self._group = self._validated(GroupConfig, config, files, project_path, problems)
        if self._project and self._group:
            self._check_group_against_project(config, problems)
        problems.extend(command_path_problems(config.get("command_path_given")))
        if problems:
            raise InvalidConfigFileError(
                f"Invalid tapstack config for stack {self.stack.name}:\n  " + "\n  ".join(problems)
            )
        self._warn_about_unsupported_engine()
        self._warn_about_shared_deployer(files, project_path)

    def resolve(self) -> str:
        """The deploy role ARN of the stack's environment."""
        partition = self.stack.config.get("partition", "aws")
        return role_arn(
            self._project.accounts, self._group.environment, conventions.DEPLOY_ROLE, partition
        )

    def _warn_about_unsupported_engine(self) -> None:
        engine_version = self.stack.config.get("parameters", {}).get("EngineVersion")
        if isinstance(engine_version, str) and is_mysql_57(engine_version):
            LOGGER.warning(
                "%s - EngineVersion %s: %s", self.stack.name, engine_version, MYSQL_57_WARNING
            )

    def _warn_about_shared_deployer(self, files, project_path: str) -> None:
        if self._project.shares_deployers:
            LOGGER.warning(
                "%s - %s: shared_deployer = True: %s",
                self.stack.name,
                where_key_is_set(files, "shared_deployer", project_path),
                SHARED_DEPLOYER_WARNING,
            )

    @staticmethod
    def _validated(model, config, files, project_path, problems):
        try:
            return model.model_validate(config)
        except ValidationError as err:
            problems.extend(describe_validation_error(err, config, files, project_path))
            return None

    def _check_group_against_project(self, config: dict, problems: list[str]) -> None:
        group, project = self._group, self._project
        if config["stack_group_path"] != group.expected_path:
            problems.append(
                f"config/{config['stack_group_path']}: environment {group.environment!r}, "
                f"region {group.region!r} and scope {group.scope!r} belong in "
                f"config/{group.expected_path}/"
            )
        if group.environment not in project.accounts:
            problems.append(
                f"config/config.yaml: accounts has no account for environment {group.environment!r}"
            )
        # A regional group needs its own VPC CIDR; a global group has no VPC, but every region
        # its StackSet targets (and its home region) must be a region of the environment.
        for region in [group.region, *group.stackset_regions]:
            try:
                project.vpc_cidr(group.environment, region)
            except ValueError as err:
                target = " (a region in stackset_regions)" if region != group.region else ""
                problems.append(f"config/config.yaml: address_plan: {err}{target}")
