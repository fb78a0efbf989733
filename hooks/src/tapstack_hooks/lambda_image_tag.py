"""`!lambda_image_tag FOLDER`: the tag `!push_lambda_image` gives the folder's image (the build
context's content hash, named build contexts included), computed without Docker.

    tag: !lambda_image_tag lambda/validator

It ships with the hook, in the same distribution, so the two always compute the same tag.
"""

from pydantic import BaseModel, ConfigDict
from sceptre.resolvers import Resolver

from tapstack_hooks.arguments import parse_for_resolver
from tapstack_hooks.build_context import BuildContextError, context_tag
from tapstack_hooks.project import project_path
from tapstack_hooks.push_lambda_image import Folder


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
