"""Publish the function images a group's registry has repositories for, as CI's `docker push`
would (through the ECR API: tapstack_tools.image_push)."""

import re
from pathlib import Path

from botocore.exceptions import ClientError
from tapstack_hooks.build_context import context_files, context_tag

from tapstack_tools.image_push import dockerfile_settings, push_image
from tapstack_tools.paths import PROJECT_DIR
from tapstack_tools.stack_reads import stacks_of

VALIDATOR_CONTEXT = PROJECT_DIR / "lambda" / "validator"
REPOSITORY_OUTPUT_SUFFIX = "RepositoryName"  # templates/registry.py: {Function}RepositoryName


def registry_outputs(group: str) -> dict[str, str]:
    """The outputs of the group's registry stack."""
    (registry,) = [s for s in stacks_of(group) if s.name.endswith("/registry")]
    described = registry.connection_manager.call(
        "cloudformation", "describe_stacks", {"StackName": registry.external_name}
    )["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def publish_image(group: str, repository: str, context: Path) -> str:
    """Put the image built from `context` in the group's `repository`, as CI's `docker push`
    would: this machine has no Docker daemon, and the local AWS has no registry endpoint Docker
    could push to, so the manifest and blobs go through the ECR API (tapstack_tools.image_push). The
    tag is the one `!push_lambda_image` computes, so the hook finds it and skips; the digest it
    reports is what `!ecr_image_digest` pins. Returns `repository:tag@digest`."""
    (registry,) = [s for s in stacks_of(group) if s.name.endswith("/registry")]
    tag = context_tag(context)

    def call(command_name: str, kwargs: dict) -> dict:
        return registry.connection_manager.call("ecr", command_name, kwargs)

    try:
        found = call(
            "describe_images", {"repositoryName": repository, "imageIds": [{"imageTag": tag}]}
        )
        digest = found["imageDetails"][0]["imageDigest"]
    except ClientError as err:
        if "ImageNotFound" not in str(err):
            raise
        files = {name: path.read_bytes() for name, path in context_files(context).items()}
        settings = dockerfile_settings(context / "Dockerfile")
        digest = push_image(call, repository, tag, files, settings)
    return f"{repository}:{tag}@{digest}"


def function_context(repository_output: str) -> Path:
    """lambda/<function>, the build context of the registry output naming its repository
    (`SecureParameterRepositoryName` -> lambda/secure_parameter)."""
    camel = repository_output.removesuffix(REPOSITORY_OUTPUT_SUFFIX)
    return PROJECT_DIR / "lambda" / re.sub(r"(?<!^)([A-Z])", r"_\1", camel).lower()


def publish_images(group: str) -> list[str]:
    """Every function image the group's registry has a repository for (templates/registry.py)."""
    outputs = registry_outputs(group)
    return [
        publish_image(group, repository, function_context(output))
        for output, repository in sorted(outputs.items())
        if output.endswith(REPOSITORY_OUTPUT_SUFFIX)
    ]
