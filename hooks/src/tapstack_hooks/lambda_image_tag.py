"""`!lambda_image_tag FOLDER`: the tag `!push_lambda_image` gives the folder's image (its
content hash), computed without building, so `sceptre diff` and `generate` see it.

    parameters:
      ValidatorImageUri: !ecr_image_digest        # sceptre-tapstack-resolvers
        repository: !stack_output dev/us-east-1/registry.yaml::RepositoryName
        tag: !lambda_image_tag lambda/validator
"""

from pydantic import BaseModel, ConfigDict
from sceptre.resolvers import Resolver

from tapstack_hooks.arguments import parse_for_resolver
from tapstack_hooks.build_context import BuildContextError, Folder, context_tag
from tapstack_hooks.project import project_path


class LambdaImageTagArguments(BaseModel):
    """The resolver's argument: the build context."""

    model_config = ConfigDict(extra="forbid")

    context: Folder


class LambdaImageTag(Resolver):
    """`!lambda_image_tag FOLDER`: the tag `!push_lambda_image` gives the folder's image."""

    def setup(self) -> None:
        """The argument is the build context, relative to the Sceptre project."""
        self._arguments = parse_for_resolver(
            self,
            "lambda_image_tag",
            LambdaImageTagArguments,
            {"context": self._argument},
            "the build context folder relative to the project (e.g. lambda/validator)",
        )

    def resolve(self) -> str:
        """The content hash of the context."""
        try:
            return context_tag(project_path(self.stack) / self._arguments.context)
        except BuildContextError as err:
            self.raise_invalid_argument_error(f"!lambda_image_tag: {err}", err)
