"""!push_lambda_image: the real hook up to the process boundary (a fake `docker` on PATH that
records its arguments and fails on demand) and the ECR side on the local AWS."""

import json
import shutil
import sys
import uuid
from pathlib import Path

import pytest
from sceptre.exceptions import InvalidHookArgumentSyntaxError, InvalidResolverArgumentError
from tapstack_hooks.build_context import context_tag
from tapstack_hooks.docker_cli import ImagePushError, NoDockerDaemonError
from tapstack_hooks.hook_points import HookPlacementError
from tapstack_hooks.lambda_image_tag import LambdaImageTag
from tapstack_hooks.push_lambda_image import PushLambdaImage
from tapstack_tools.sceptre_scratch import place_hook

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"  # the bootstrap identity's account


@pytest.fixture
def project(tmp_path) -> Path:
    """A project with a build context at lambda/app."""
    context = tmp_path / "project" / "lambda" / "app"
    (context / "src").mkdir(parents=True)
    (context / "Dockerfile").write_text("FROM public.ecr.aws/lambda/python:3.12\n")
    (context / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    return tmp_path / "project"


def make_hook(argument: object, project: Path, point: str = "before_update"):
    return place_hook(
        PushLambdaImage(argument),
        point,
        name="dev/us-east-1/compute",
        stack_group_config={"project_path": str(project)},
    )


@pytest.fixture
def fake_docker(tmp_path, monkeypatch):
    """Put the fake docker first on PATH; `calls()` reads what it was asked to do."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "docker"
    source = (Path(__file__).parent / "fake_docker.py").read_text()
    script.write_text(f"#!{sys.executable}\n{source}")
    script.chmod(0o755)
    log = tmp_path / "docker-calls.jsonl"
    log.touch()
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("FAKE_DOCKER_LOG", str(log))
    monkeypatch.delenv("FAKE_DOCKER_FAIL", raising=False)

    def calls() -> list[dict]:
        return [json.loads(line) for line in log.read_text().splitlines()]

    return calls


@pytest.fixture
def repository(local_aws_env) -> str:
    name = f"app-{uuid.uuid4().hex[:8]}"
    local_aws_env.client("ecr").create_repository(
        repositoryName=name, imageTagMutability="IMMUTABLE"
    )
    return name


def tags_in(local_aws, repository: str) -> list[str]:
    images = local_aws.client("ecr").describe_images(repositoryName=repository)["imageDetails"]
    return [tag for image in images for tag in image.get("imageTags", [])]


# --- argument ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        pytest.param(None, "the argument must be a mapping of context, repository", id="missing"),
        pytest.param("lambda/app", "the argument must be a mapping", id="string"),
        pytest.param({"context": "lambda/app"}, "`repository` is missing", id="no-repository"),
        pytest.param(
            {"context": "lambda/app", "repository": "r", "tag": "x"},
            "unknown key `tag` (the keys are context, repository, dockerfile, platform)",
            id="unknown-key",
        ),
        pytest.param(
            {"context": "a b", "repository": "r"},
            "`context` takes a folder relative to the Sceptre project",
            id="bad-context",
        ),
        pytest.param(
            {"context": "lambda/app", "repository": "r", "platform": "windows"},
            "`platform` takes linux/amd64 or linux/arm64, not 'windows'",
            id="platform",
        ),
    ],
)
def test_malformed_argument_fails_at_setup_naming_the_key(project, argument, message):
    with pytest.raises(InvalidHookArgumentSyntaxError) as caught:
        make_hook(argument, project)
    assert str(caught.value).startswith("dev/us-east-1/compute: !push_lambda_image: ")
    assert message in str(caught.value)
    assert f"You gave {argument!r}." in str(caught.value)


@pytest.mark.parametrize("point", ["after_create", "before_delete"])
def test_other_hook_points_are_refused(project, point):
    with pytest.raises(HookPlacementError, match=f"not under `{point}`"):
        make_hook({"context": "lambda/app", "repository": "r"}, project, point)


# --- docker and ECR ------------------------------------------------------------------------


@pytest.mark.e2e
def test_builds_logs_in_and_pushes_then_skips_the_same_sources(
    project, fake_docker, repository, local_aws
):
    # GIVEN a context whose tag is not in the repository, and a Docker daemon
    tag = context_tag(project / "lambda/app")
    image = f"{REGISTRY}/{repository}:{tag}"
    hook = make_hook({"context": "lambda/app", "repository": repository}, project)
    # WHEN the hook runs
    hook.run()
    # THEN it built the context under the content-hash tag, logged in with the password on
    # stdin only, and pushed that tag, which ECR now holds
    calls = fake_docker()
    assert [call["argv"][0] for call in calls] == ["version", "build", "login", "push"]
    build = calls[1]["argv"]
    assert build == [
        "build",
        "--platform",
        "linux/amd64",
        "--provenance=false",
        "--file",
        str(project / "lambda/app/Dockerfile"),
        "--tag",
        image,
        str(project / "lambda/app"),
    ]
    login = calls[2]
    assert login["argv"] == [
        "login",
        "--username",
        "AWS",
        "--password-stdin",
        f"https://{REGISTRY}",
    ]
    assert login["stdin"] is True
    assert calls[3]["argv"] == ["push", image]
    assert tags_in(local_aws, repository) == [tag]
    # WHEN it runs again for the same sources THEN docker is not called at all
    make_hook({"context": "lambda/app", "repository": repository}, project).run()
    assert len(fake_docker()) == len(calls)


@pytest.mark.e2e
def test_a_shared_folder_the_dockerfile_copies_from_is_a_named_build_context(
    project, fake_docker, repository
):
    # GIVEN a Dockerfile copying from `shared`, a folder beside the context
    shared = project / "lambda" / "shared"
    (shared / "src" / "shared").mkdir(parents=True)
    (shared / "src" / "shared" / "__init__.py").write_text("X = 1\n")
    dockerfile = project / "lambda/app/Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text() + "COPY --from=shared src/shared /var/task/shared\n"
    )
    # WHEN the hook builds
    make_hook({"context": "lambda/app", "repository": repository}, project).run()
    # THEN docker receives the folder as that named context
    (build,) = [call["argv"] for call in fake_docker() if call["argv"][0] == "build"]
    assert f"--build-context=shared={shared}" in build


@pytest.mark.e2e
def test_without_a_daemon_it_stops_saying_so_and_what_to_run(
    project, fake_docker, repository, local_aws, monkeypatch
):
    monkeypatch.setenv("FAKE_DOCKER_FAIL", "version")
    tag = context_tag(project / "lambda/app")
    image = f"{REGISTRY}/{repository}:{tag}"
    with pytest.raises(NoDockerDaemonError) as caught:
        make_hook({"context": "lambda/app", "repository": repository}, project).run()
    message = str(caught.value)
    assert message.startswith("dev/us-east-1/compute: !push_lambda_image needs a Docker daemon")
    assert "Cannot connect to the Docker daemon" in message
    assert (
        f"aws ecr get-login-password --region us-east-1 | docker login --username AWS "
        f"--password-stdin {REGISTRY}" in message
    )
    assert (
        f"docker build --platform linux/amd64 --provenance=false --file lambda/app/Dockerfile "
        f"--tag {image} lambda/app" in message
    )
    assert f"docker push {image}" in message
    assert [call["argv"][0] for call in fake_docker()] == ["version"]
    assert tags_in(local_aws, repository) == []


@pytest.mark.e2e
def test_without_a_docker_client_it_says_so(project, repository, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no docker anywhere
    assert shutil.which("docker") is None
    with pytest.raises(NoDockerDaemonError, match="no `docker` executable on PATH"):
        make_hook({"context": "lambda/app", "repository": repository}, project).run()


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("step", "done"),
    [
        pytest.param("build", ["version", "build"], id="build"),
        pytest.param("login", ["version", "build", "login"], id="login"),
        pytest.param("push", ["version", "build", "login", "push"], id="push"),
    ],
)
def test_a_failing_docker_step_stops_naming_it(
    project, fake_docker, repository, local_aws, monkeypatch, step, done
):
    monkeypatch.setenv("FAKE_DOCKER_FAIL", step)
    with pytest.raises(ImagePushError, match=rf"`docker {step}` failed \(exit 1\): "):
        make_hook({"context": "lambda/app", "repository": repository}, project).run()
    assert [call["argv"][0] for call in fake_docker()] == done
    assert tags_in(local_aws, repository) == []


@pytest.mark.e2e
def test_missing_repository_is_named(project, fake_docker, local_aws_env):
    hook = make_hook({"context": "lambda/app", "repository": "no-such-repository"}, project)
    with pytest.raises(ImagePushError, match="cannot find ECR repository no-such-repository"):
        hook.run()
    assert fake_docker() == []


# --- !lambda_image_tag ---------------------------------------------------------------------


def test_image_tag_resolver_gives_the_tag_the_hook_pushes(project):
    stack = make_hook({"context": "lambda/app", "repository": "r"}, project).stack
    resolver = LambdaImageTag("lambda/app").clone_for_stack(stack)
    assert resolver.resolve() == context_tag(project / "lambda/app")


@pytest.mark.parametrize("argument", [None, "", "a b", ["lambda/app"]])
def test_image_tag_resolver_rejects_a_malformed_folder(project, argument):
    stack = make_hook({"context": "lambda/app", "repository": "r"}, project).stack
    with pytest.raises(InvalidResolverArgumentError) as caught:
        LambdaImageTag(argument).clone_for_stack(stack)
    assert "!lambda_image_tag: `context` takes a folder relative to the Sceptre project" in str(
        caught.value
    )
    assert f"You gave {argument!r}." in str(caught.value)


def test_image_tag_resolver_names_a_folder_without_dockerfile(project):
    stack = make_hook({"context": "lambda/app", "repository": "r"}, project).stack
    with pytest.raises(InvalidResolverArgumentError, match="has no Dockerfile"):
        LambdaImageTag("lambda").clone_for_stack(stack).resolve()
