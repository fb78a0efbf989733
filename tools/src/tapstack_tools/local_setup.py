"""What a new real setup does once before its first launch, done on the local AWS (`make up`).

1. The deployer profiles (tapstack_tools.deployers): one per environment, and the account admin.
2. Each account's bootstrap, the README's one command per account:
   `sceptre --var bootstrap=true launch -y ENV/us-east-1/iam.yaml`.
3. The Lambda images, published as CI would where no Docker daemon builds them (`make images`):
   each group's registry stack (`sceptre launch -y GROUP/registry.yaml`), then each image through
   the ECR API under the tag `!push_lambda_image` computes, so the hook finds it and skips.

After it, the README's plain commands work: `sceptre launch -y ''`, `sceptre launch -y GROUP`.

    tapstack-local-aws up --env-file .local/emulator/env   # after the emulator's start
    tapstack-local-aws images                              # with make up's exports
"""

import argparse
import os
import shlex
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tapstack_tools import deployers
from tapstack_tools.deployment import (
    ALL_GROUPS,
    BOOTSTRAP_COMMANDS,
    PROJECT_DIR,
    SceptreRun,
    publish_images,
    registry_launch,
    run_sceptre,
)

IMAGE_GROUPS = tuple(
    g for g in ALL_GROUPS if (PROJECT_DIR / "config" / g / "registry.yaml").is_file()
)
CREDENTIAL_VARIABLES = (*deployers.CREDENTIAL_VARIABLES, "AWS_PROFILE")


class SetupError(RuntimeError):
    """A setup command failed."""


def _checked(label: str, run: SceptreRun) -> SceptreRun:
    if run.returncode != 0:
        raise SetupError(f"{label}: `sceptre {shlex.join(run.args)}` failed:\n{run.output[-4000:]}")
    return run


def bootstrap() -> dict[str, SceptreRun]:
    """Each account's iam stack, as its admin (the README's bootstrap command, once per account;
    the accounts are independent, so all at once)."""
    with ThreadPoolExecutor(max_workers=len(BOOTSTRAP_COMMANDS)) as pool:
        runs = {
            env: pool.submit(run_sceptre, *command) for env, command in BOOTSTRAP_COMMANDS.items()
        }
        return {env: _checked(f"{env} bootstrap", run.result()) for env, run in runs.items()}


def publish_all_images() -> dict[str, list[str]]:
    """Every group's registry stack, then its images, as CI publishes them (`make images`)."""
    with ThreadPoolExecutor(max_workers=len(IMAGE_GROUPS)) as pool:
        runs = {group: pool.submit(run_sceptre, *registry_launch(group)) for group in IMAGE_GROUPS}
        for group, run in runs.items():
            _checked(f"{group} registry", run.result())
    return {group: publish_images(group) for group in IMAGE_GROUPS}


def prepare(announce=print) -> None:
    """Steps 2 and 3 (the profiles come with the local AWS: tapstack_tools.deployers)."""
    for environment, run in bootstrap().items():
        command = shlex.join(run.args)
        announce(f"bootstrapped {environment}: sceptre {command} ({run.seconds:.0f} s)")
    for group, images in publish_all_images().items():
        for image in images:
            announce(f"published {image} in {group} (as CI would: no Docker daemon here)")


def _point_env_file_at_profiles(env_file: Path) -> None:
    """Replace the emulator's admin keys in `env_file` by the profile files, and load it here."""
    values = dict(
        line.split("=", 1) for line in env_file.read_text(encoding="utf-8").splitlines() if line
    )
    credentials, config = deployers.write_profiles(
        env_file.parent / "aws", values["AWS_ENDPOINT_URL"]
    )
    values = {k: v for k, v in values.items() if k not in CREDENTIAL_VARIABLES}
    values["AWS_SHARED_CREDENTIALS_FILE"] = str(credentials.resolve())
    values["AWS_CONFIG_FILE"] = str(config.resolve())
    env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    for name in CREDENTIAL_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(values)


def main(argv: list[str] | None = None) -> int:
    """`up --env-file FILE`: profiles, bootstrap, images; `images`: the images again."""
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("up", "images"))
    parser.add_argument("--env-file", type=Path, help="the emulator's env file (up)")
    arguments = parser.parse_args(argv)
    try:
        if arguments.step == "up":
            if not arguments.env_file:
                parser.error("up needs --env-file (the emulator's, written by its start)")
            _point_env_file_at_profiles(arguments.env_file)
            prepare(announce=lambda line: print(f"# {line}", flush=True))
        else:
            for group, images in publish_all_images().items():
                print(f"# published {', '.join(images)} in {group}", flush=True)
    except SetupError as err:
        print(f"local_setup: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
