"""`!ecr_image_digest`: `repository:tag` -> the immutable image URI `ACCOUNT.dkr.ecr.REGION.
amazonaws.com/repository@sha256:…`, so a stack pins the exact image a tag named at launch.

    ImageUri: !ecr_image_digest tapstack-validator-dev-main:3f2a…           # own account
    ImageUri: !ecr_image_digest {repository: tapstack-validator-prod-main, tag: v1.4.0,
                                 environment: prod, region: eu-west-1}       # another account

The registry of another environment is addressed through the `accounts` map, as
`!account_role` does. The lookup is ECR DescribeImages with the stack's own credentials.
"""

from typing import Annotated

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sceptre.exceptions import SceptreException
from sceptre.resolvers import Resolver

from tapstack_resolvers.accounts import AccountLookupError, account_id
from tapstack_resolvers.arguments import parse

# ECR's own patterns: repository names (with namespaces) and image tags.
Repository = Annotated[
    str,
    StringConstraints(
        pattern=r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$",
        min_length=2,
        max_length=256,
    ),
]
Tag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,299}$")]
Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
USAGE = (
    "`REPOSITORY:TAG`, or {repository: NAME, tag: TAG, environment: ENV (optional), "
    "region: REGION (optional)}"
)


class ImageNotFoundError(SceptreException):
    """The repository or the tag does not exist in the registry."""


class EcrImageArgument(BaseModel):
    """The resolver's argument."""

    model_config = ConfigDict(extra="forbid")

    repository: Repository = Field(
        description="an ECR repository name (lower case, digits, ._-/; e.g. team/app)"
    )
    tag: Tag = Field(description="an image tag (letters, digits, _.-; at most 300)")
    environment: str | None = Field(
        None, description="a key of the accounts map whose registry holds the repository"
    )
    region: Region | None = Field(None, description="an AWS region name such as eu-west-1")


def image_uri(registry_id: str, region: str, repository: str, digest: str) -> str:
    """`ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY@DIGEST` (`.com.cn` in China)."""
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{registry_id}.dkr.ecr.{region}.{domain}/{repository}@{digest}"


class EcrImageDigest(Resolver):
    """Resolve `repository:tag` to the image's digest-pinned URI."""

    def setup(self) -> None:
        """Check the argument's shape; nested resolvers (e.g. !stack_output) resolve later."""
        raw = self._argument
        if isinstance(raw, str):
            repository, colon, tag = raw.rpartition(":")
            raw = {"repository": repository, "tag": tag} if colon else {"repository": raw}
        if isinstance(raw, dict) and any(isinstance(v, Resolver) for v in raw.values()):
            return  # checked in resolve(), once the nested resolvers have values
        self._parsed(raw)

    def resolve(self) -> str:
        """DescribeImages for the tag; the URI with the digest it names."""
        argument = self.argument
        if isinstance(argument, str):
            repository, colon, tag = argument.rpartition(":")
            argument = {"repository": repository, "tag": tag} if colon else {"repository": argument}
        parsed = self._parsed(argument)
        region = parsed.region or self.stack.region
        request = {"repositoryName": parsed.repository, "imageIds": [{"imageTag": parsed.tag}]}
        if parsed.environment:
            try:
                request["registryId"] = account_id(
                    self.stack.stack_group_config.get("accounts"), parsed.environment
                )
            except AccountLookupError as err:
                self.raise_invalid_argument_error(f"!ecr_image_digest: {err}", err)
        where = f"{parsed.repository}:{parsed.tag} in {region}" + (
            f" (registry {request['registryId']})" if "registryId" in request else ""
        )
        try:
            response = self.stack.connection_manager.call(
                "ecr", "describe_images", request, region=region
            )
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            if code == "ImageNotFoundException":
                raise ImageNotFoundError(
                    f"{self.stack.name}: !ecr_image_digest: no image tagged {where}; push it "
                    "first (the push_lambda_image hook does, before create and update)"
                ) from err
            if code == "RepositoryNotFoundException":
                raise ImageNotFoundError(
                    f"{self.stack.name}: !ecr_image_digest: repository {parsed.repository} "
                    f"does not exist ({where})"
                ) from err
            raise
        (detail,) = response["imageDetails"]
        return image_uri(detail["registryId"], region, parsed.repository, detail["imageDigest"])

    def _parsed(self, argument: object) -> EcrImageArgument:
        return parse(self, "ecr_image_digest", EcrImageArgument, argument, USAGE)
