"""The local AWS's pipeline identities: one deployer per environment, as config/config.yaml's
`deployers` names them (IAM users in the local AWS's default account, 123456789012).

In AWS each environment's pipeline runs as its own role; here `credentials(environment)` creates
that environment's deployer user (once per local AWS) and returns its access key as environment
variables. `run_sceptre` (tests/deployment.py) runs every command as the deployer of the
environment it targets, and `install()` makes Sceptre's in-process connection manager assume an
environment's deploy role with that environment's deployer, as a pipeline would.

    eval "$(uv run python tests/deployers.py staging)"   # after `make up`: act as staging's
"""

import os
import re
import sys
import threading
from functools import cache
from pathlib import Path

import boto3
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
ENVIRONMENT_OF_PATH = re.compile(r"^(?P<environment>dev|staging|prod|global)(/|$)")
DEPLOY_ROLE = re.compile(r":role/tapstack-deploy-(?P<environment>[a-z]+)$")
# The identity that creates the deployers: moto's default account (docs/emulator.md, Accounts).
BOOTSTRAP_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
_KEYS: dict[tuple[str, str], dict[str, str]] = {}
_LOCK = threading.Lock()


class _IgnoreTags(yaml.SafeLoader):
    """config.yaml with Sceptre's tags (`!deploy_role`) read as plain values."""


_IgnoreTags.add_multi_constructor("!", lambda loader, _suffix, node: None)


@cache
def deployers() -> dict[str, str]:
    """config/config.yaml's `deployers`: environment -> principal ARN."""
    text = (PROJECT_DIR / "config" / "config.yaml").read_text(encoding="utf-8")
    return dict(yaml.load(text, Loader=_IgnoreTags)["deployers"])  # noqa: S506 - SafeLoader


def environment_of(sceptre_path: str) -> str | None:
    """The environment a sceptre command path targets (`global` is prod's), or None."""
    match = ENVIRONMENT_OF_PATH.match(sceptre_path)
    if not match:
        return None
    return "prod" if match["environment"] == "global" else match["environment"]


def credentials(environment: str) -> dict[str, str]:
    """AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY of `environment`'s deployer on the local AWS."""
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    with _LOCK:
        if (endpoint, environment) not in _KEYS:
            _KEYS[endpoint, environment] = _new_access_key(endpoint, environment)
        return dict(_KEYS[endpoint, environment])


def _new_access_key(endpoint: str, environment: str) -> dict[str, str]:
    user = deployers()[environment].rsplit("/", 1)[1]
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", **BOOTSTRAP_KEYS)
    try:
        iam.create_user(UserName=user)
    except iam.exceptions.EntityAlreadyExistsException:
        for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }


def for_command(args: tuple[str, ...]) -> dict[str, str]:
    """The deployer credentials for `sceptre ARGS` (the first command path names the
    environment), or nothing when no path names one or no local AWS is set."""
    if "AWS_ENDPOINT_URL" not in os.environ:
        return {}
    for arg in args:
        environment = environment_of(arg)
        if environment:
            return credentials(environment)
    return {}


def install() -> None:
    """Sceptre's connection manager, in this process, assumes `tapstack-deploy-{env}` as
    `env`'s deployer (its sessions are cached per role, so only the first call matters)."""
    from sceptre.connection_manager import ConnectionManager

    original = ConnectionManager._get_session
    if getattr(original, "tapstack_deployers", False):
        return

    def get_session(self, profile, region, sceptre_role, **kwargs):
        match = DEPLOY_ROLE.search(sceptre_role or "")
        if match and "AWS_ENDPOINT_URL" in os.environ:
            keys = credentials(match["environment"])
            self._get_envs = lambda: {**os.environ, **keys}
        return original(self, profile, region, sceptre_role, **kwargs)

    get_session.tapstack_deployers = True
    ConnectionManager._get_session = get_session


if __name__ == "__main__":
    for name, value in credentials(sys.argv[1]).items():
        print(f"export {name}={value}")
