"""!ecr_image_digest on the local AWS: `repository:tag` to a digest-pinned URI, in the stack's
own account or another environment's, and one clear error for each thing that can be wrong."""

import uuid
from typing import ClassVar

import boto3
import pytest
from sceptre.exceptions import InvalidResolverArgumentError
from sceptre.resolvers import Resolver
from sceptre.stack import Stack
from tapstack_resolvers.ecr_image_digest import EcrImageDigest, ImageNotFoundError
from tapstack_tools.image_push import ImageSettings, push_image

OWN_ACCOUNT = "123456789012"  # the local AWS's bootstrap identity
ACCOUNTS = {"dev": OWN_ACCOUNT, "prod": "333333333333"}


def make_stack(name: str = "dev/us-east-1/compute") -> Stack:
    return Stack(
        name=name,
        project_code="tapstack",
        template_handler_config={"type": "file", "path": "compute.py"},
        region="us-east-1",
        stack_group_config={"accounts": ACCOUNTS},
    )


def resolver(argument: object) -> EcrImageDigest:
    return EcrImageDigest(argument).clone_for_stack(make_stack())


class Later(Resolver):
    """Stands in for !stack_output / !lambda_image_tag: a value known only at resolve time."""

    resolved: ClassVar[list[str]] = []

    def resolve(self) -> str:
        Later.resolved.append(self.argument)
        return self.argument


def ecr_in(local_aws, account: str):
    if account == OWN_ACCOUNT:
        return local_aws.client("ecr")
    credentials = local_aws.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/tapstack-test", RoleSessionName="test"
    )["Credentials"]
    return boto3.client(
        "ecr",
        region_name="us-east-1",
        endpoint_url=local_aws.endpoint_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


@pytest.fixture
def repository(local_aws_env):
    """`make(account)`: a new repository there holding two images; (name, {tag: digest})."""

    def make(account: str = OWN_ACCOUNT) -> tuple[str, dict[str, str]]:
        ecr = ecr_in(local_aws_env, account)
        name = f"validator-{uuid.uuid4().hex[:8]}"
        ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")

        def call(command, kwargs):
            return getattr(ecr, command)(**kwargs)

        digests = {
            tag: push_image(
                call, name, tag, {"app.py": tag.encode()}, ImageSettings(["app.handler"], [])
            )
            for tag in ("v1", "v2")
        }
        return name, digests

    return make


@pytest.mark.e2e
def test_short_form_pins_the_tag_in_the_own_account(repository):
    name, digests = repository()
    uri = resolver(f"{name}:v2").resolve()
    assert uri == f"{OWN_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{name}@{digests['v2']}"
    assert digests["v1"] != digests["v2"]  # each manifest has its own digest


@pytest.mark.e2e
def test_another_environments_registry_through_the_accounts_map(repository):
    name, digests = repository("333333333333")
    uri = resolver({"repository": name, "tag": "v1", "environment": "prod"}).resolve()
    assert uri == f"333333333333.dkr.ecr.us-east-1.amazonaws.com/{name}@{digests['v1']}"


@pytest.mark.e2e
def test_nested_resolvers_are_resolved_when_the_digest_is(repository):
    name, digests = repository()
    Later.resolved = []
    pinned = resolver({"repository": Later(name), "tag": Later("v1")})
    assert Later.resolved == []  # not at setup: the repository's stack may not exist yet
    assert pinned.resolve().endswith(f"/{name}@{digests['v1']}")


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("argument", "message"),
    [
        pytest.param(
            "{name}:v9", "no image tagged {name}:v9 in us-east-1; push it first", id="tag"
        ),
        pytest.param("missing-repo:v1", "repository missing-repo does not exist", id="repository"),
        pytest.param(
            {"repository": "{name}", "tag": "v1", "environment": "prod"},
            "repository {name} does not exist ({name}:v1 in us-east-1 (registry 333333333333))",
            id="not-in-the-other-account",
        ),
    ],
)
def test_absent_image_fails_naming_stack_repository_and_tag(repository, argument, message):
    name, _ = repository()
    if isinstance(argument, str):
        argument = argument.format(name=name)
    else:
        argument = {k: v.format(name=name) for k, v in argument.items()}
    with pytest.raises(ImageNotFoundError) as caught:
        resolver(argument).resolve()
    assert str(caught.value).startswith("dev/us-east-1/compute: !ecr_image_digest: ")
    assert message.format(name=name) in str(caught.value)


@pytest.mark.parametrize(
    ("argument", "problem"),
    [
        pytest.param("validator", "`tag` is missing: it takes an image tag", id="no-tag"),
        pytest.param(
            "Validator:v1",
            "`repository` takes an ECR repository name (lower case, digits, ._-/; e.g. team/app), "
            "not 'Validator'",
            id="uppercase-repository",
        ),
        pytest.param("validator:bad tag", "`tag` takes an image tag", id="space-in-tag"),
        pytest.param({"repository": "validator"}, "`tag` is missing", id="mapping-without-tag"),
        pytest.param(
            {"repository": "v1", "tag": "x", "account": "1"},
            "unknown key `account` (the keys are repository, tag, environment, region)",
            id="unknown-key",
        ),
        pytest.param(["validator", "v1"], "the argument must be a mapping", id="list"),
    ],
)
def test_malformed_argument_fails_at_setup_naming_the_key(argument, problem):
    with pytest.raises(InvalidResolverArgumentError) as caught:
        resolver(argument)
    assert str(caught.value).startswith("dev/us-east-1/compute - !ecr_image_digest: ")
    assert problem in str(caught.value)
    assert f"You gave {argument!r}." in str(caught.value)


def test_environment_missing_from_the_accounts_map_is_named():
    with pytest.raises(InvalidResolverArgumentError, match="environment 'qa' is not in"):
        resolver({"repository": "validator", "tag": "v1", "environment": "qa"}).resolve()
