"""`!push_lambda_image`: a Lambda container image built from a folder, tagged with the folder's
content hash (what `!lambda_image_tag` gives the stack) and pushed to the account's ECR.

    parameters:
      ValidatorImageUri: !ecr_image_digest        # sceptre-tapstack-resolvers
        repository: !stack_output dev/us-east-1/registry.yaml::RepositoryName
        tag: !lambda_image_tag lambda/validator
    hooks:
      before_create:
        - !push_lambda_image
            context: lambda/validator
            repository: !stack_output dev/us-east-1/registry.yaml::RepositoryName

When the tag is already in the repository the build and push are skipped (the same sources
were pushed before). Otherwise it needs a Docker daemon; without one it stops, saying so and
giving the commands to run where Docker is available.
"""

import base64
from pathlib import Path
from typing import Annotated, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sceptre.hooks import Hook
from sceptre.resolvers import Resolver

from tapstack_hooks import docker_cli
from tapstack_hooks.arguments import parse
from tapstack_hooks.build_context import BuildContextError, Folder, context_tag, named_contexts
from tapstack_hooks.docker_cli import ImagePushError, NoDockerDaemonError
from tapstack_hooks.hook_points import check_placement
from tapstack_hooks.project import project_path

TAG = "push_lambda_image"
POINTS = ("before_create", "before_update")
USAGE = (
    "{context: FOLDER, repository: NAME or a resolver, dockerfile: Dockerfile (optional), "
    "platform: linux/amd64 or linux/arm64 (optional)}"
)


class PushLambdaImageArguments(BaseModel):
    """The hook's argument."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    context: Folder  # the build context, relative to the Sceptre project
    repository: Annotated[str, StringConstraints(min_length=1)] | Resolver = Field(
        description="an ECR repository name, or a resolver giving one"
    )
    dockerfile: Annotated[str, StringConstraints(min_length=1)] = Field(
        "Dockerfile", description="the Dockerfile's path, relative to the context"
    )
    platform: Literal["linux/amd64", "linux/arm64"] = Field(
        "linux/amd64", description="linux/amd64 or linux/arm64"
    )


class PushLambdaImage(Hook):
    """Build, tag with the context hash and push, unless the tag is already in ECR."""

    def setup(self) -> None:
        """Check the hook point and the argument's shape without resolving it (the repository
        may not exist yet)."""
        check_placement(self, TAG, POINTS, running=False)
        self._arguments = parse(self, TAG, PushLambdaImageArguments, self._argument, USAGE)

    def run(self) -> None:
        """Push the image of the context unless its tag is in the repository already."""
        check_placement(self, TAG, POINTS, running=True)
        arguments = self._arguments
        repository = self.argument["repository"]  # resolved now that its stack exists
        if not isinstance(repository, str) or not repository:
            raise ImagePushError(
                f"{self.stack.name}: !{TAG}: `repository` resolved to {repository!r}, not a "
                "repository name"
            )
        context = project_path(self.stack) / arguments.context
        try:
            tag = context_tag(context, arguments.dockerfile)
        except BuildContextError as err:
            raise ImagePushError(f"{self.stack.name}: !push_lambda_image: {err}") from err
        repository_uri = self._repository_uri(repository)
        image = f"{repository_uri}:{tag}"
        digest = self._digest(repository, tag)
        if digest:
            self.logger.info(
                "skipped docker build and push: %s is already in ECR (%s)", image, digest
            )
            return
        problem = docker_cli.daemon_problem()
        if problem:
            raise NoDockerDaemonError(self._no_daemon_message(problem, image, arguments))
        self.logger.info("building %s from %s", image, arguments.context)
        docker_cli.build(
            context,
            context / arguments.dockerfile,
            arguments.platform,
            image,
            named_contexts(context, arguments.dockerfile),
        )
        registry, username, password = self._login(repository_uri)
        with docker_cli.logged_in(registry, username, password) as env:
            docker_cli.docker("push", image, env=env)
        digest = self._digest(repository, tag)
        if not digest:
            raise ImagePushError(f"{self.stack.name}: pushed {image} but ECR does not list it")
        self.logger.info("pushed %s@%s", image.rsplit(":", 1)[0], digest)

    def _repository_uri(self, repository: str) -> str:
        try:
            response = self.stack.connection_manager.call(
                "ecr", "describe_repositories", {"repositoryNames": [repository]}
            )
        except ClientError as err:
            raise ImagePushError(
                f"{self.stack.name}: !push_lambda_image: cannot find ECR repository "
                f"{repository}: {err}"
            ) from err
        return response["repositories"][0]["repositoryUri"]

    def _digest(self, repository: str, tag: str) -> str | None:
        try:
            response = self.stack.connection_manager.call(
                "ecr",
                "describe_images",
                {"repositoryName": repository, "imageIds": [{"imageTag": tag}]},
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == "ImageNotFoundException":
                return None
            raise ImagePushError(f"{self.stack.name}: cannot read {repository}: {err}") from err
        return response["imageDetails"][0]["imageDigest"]

    def _login(self, repository_uri: str) -> tuple[str, str, str]:
        registry_id = repository_uri.split(".", 1)[0]
        response = self.stack.connection_manager.call(
            "ecr", "get_authorization_token", {"registryIds": [registry_id]}
        )
        (authorization,) = response["authorizationData"]
        token = base64.b64decode(authorization["authorizationToken"]).decode()
        username, _, password = token.partition(":")
        return authorization["proxyEndpoint"], username, password

    def _no_daemon_message(self, problem: str, image: str, arguments) -> str:
        registry = image.split("/", 1)[0]
        context = arguments.context
        dockerfile = f"{context}/{arguments.dockerfile}"
        folder = project_path(self.stack) / context
        named = "".join(
            f"--build-context={name}={Path(context).parent / name} "
            for name in named_contexts(folder, arguments.dockerfile)
        )
        return (
            f"{self.stack.name}: !push_lambda_image needs a Docker daemon and there is none "
            f"({problem}). The image {image} is not in ECR yet, so the stack cannot pin it. "
            "Build and push it where Docker runs (e.g. CI), from the project folder, then "
            "launch again:\n"
            f"  aws ecr get-login-password --region {self.stack.region} | docker login "
            f"--username AWS --password-stdin {registry}\n"
            f"  docker build --platform {arguments.platform} --provenance=false {named}"
            f"--file {dockerfile} --tag {image} {context}\n"
            f"  docker push {image}"
        )
