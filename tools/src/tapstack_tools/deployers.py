"""The local AWS's pipeline identities: one deployer per environment, as config/config.yaml's
`deployers` names them (IAM users in the local AWS's default account, 123456789012), each behind
the AWS profile its environment's config names (`profile:` in config/{env}/config.yaml).

In AWS each environment's pipeline runs as its own role, and whoever runs the whole estate holds
one profile per environment; here `write_profiles(directory)` creates each deployer user (once
per local AWS) and writes an AWS shared credentials file with `[default]` (the local AWS's admin
identity, moto's default account: the account admin a bootstrap runs as) and one profile per
deployer. `command_environment()` is what a `sceptre` command needs to use them: the two AWS
files, and no AWS_ACCESS_KEY_ID (credentials in the environment would win over every profile).
`install()` makes Sceptre's in-process connection manager assume an environment's deploy role
as that environment's deployer too.

    make up    # writes .local/emulator/aws/credentials and exports AWS_SHARED_CREDENTIALS_FILE
"""

import atexit
import configparser
import os
import re
import shutil
import tempfile
import threading
from functools import cache
from pathlib import Path

import boto3
import yaml

from tapstack_tools.paths import PROJECT_DIR

ENVIRONMENTS = ("dev", "staging", "prod")
DEPLOY_ROLE = re.compile(r":role/tapstack-deploy-(?P<environment>[a-z]+)$")
# The identity that creates the deployers: moto's default account (docs/emulator.md, Accounts).
ADMIN_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
# Credentials in the environment win over profiles in Sceptre's connection manager.
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
_WRITTEN: dict[str, Path] = {}
_LOCK = threading.Lock()


class _IgnoreTags(yaml.SafeLoader):
    """config/*.yaml with Sceptre's tags (`!deploy_role`) read as plain values."""


_IgnoreTags.add_multi_constructor("!", lambda loader, _suffix, node: None)


def _config(relative: str) -> dict:
    text = (PROJECT_DIR / "config" / relative).read_text(encoding="utf-8")
    return yaml.load(text, Loader=_IgnoreTags) or {}  # noqa: S506 - a SafeLoader subclass


@cache
def deployers() -> dict[str, str]:
    """config/config.yaml's `deployers`: environment -> principal ARN."""
    return dict(_config("config.yaml")["deployers"])


@cache
def profiles() -> dict[str, str]:
    """Each environment's AWS profile: `profile` in config/{env}/config.yaml."""
    return {env: _config(f"{env}/config.yaml")["profile"] for env in ENVIRONMENTS}


def write_profiles(directory: Path, endpoint: str) -> tuple[Path, Path]:
    """Create the deployers on the local AWS at `endpoint` and write the AWS files that hold
    them into `directory`; returns (credentials file, config file)."""
    credentials = configparser.ConfigParser()
    credentials["default"] = ADMIN_KEYS
    for environment in ENVIRONMENTS:
        credentials[profiles()[environment]] = _new_access_key(endpoint, environment)
    directory.mkdir(parents=True, exist_ok=True)
    credentials_file, config_file = directory / "credentials", directory / "config"
    with credentials_file.open("w", encoding="utf-8") as stream:
        credentials.write(stream)
    credentials_file.chmod(0o600)
    config_file.write_text("[default]\nregion = us-east-1\n", encoding="utf-8")
    return credentials_file, config_file


def credentials_file() -> Path:
    """The credentials file of the local AWS in AWS_ENDPOINT_URL: the one the environment names
    (`make up` wrote it), else one written once for this process's local AWS."""
    named = os.environ.get("AWS_SHARED_CREDENTIALS_FILE")
    if named and _has_every_deployer(Path(named)):
        return Path(named)
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    with _LOCK:
        if endpoint not in _WRITTEN:
            directory = Path(tempfile.mkdtemp(prefix="tapstack-deployers-"))
            atexit.register(shutil.rmtree, directory, ignore_errors=True)
            _WRITTEN[endpoint] = write_profiles(directory, endpoint)[0]
        return _WRITTEN[endpoint]


def command_environment() -> dict[str, str]:
    """The process environment for `sceptre`, every profile available, nothing overriding."""
    if "AWS_ENDPOINT_URL" not in os.environ:
        return dict(os.environ)
    path = credentials_file()
    environment = {
        k: v for k, v in os.environ.items() if k not in (*CREDENTIAL_VARIABLES, "AWS_PROFILE")
    }
    environment["AWS_SHARED_CREDENTIALS_FILE"] = str(path)
    environment["AWS_CONFIG_FILE"] = str(path.with_name("config"))
    return environment


def credentials(environment: str) -> dict[str, str]:
    """AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY of `environment`'s deployer on the local AWS."""
    parser = configparser.ConfigParser()
    parser.read(credentials_file(), encoding="utf-8")
    section = parser[profiles()[environment]]
    return {
        "AWS_ACCESS_KEY_ID": section["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": section["aws_secret_access_key"],
    }


def _has_every_deployer(path: Path) -> bool:
    parser = configparser.ConfigParser()
    parser.read(path, encoding="utf-8")
    return all(profile in parser for profile in profiles().values())


def _new_access_key(endpoint: str, environment: str) -> dict[str, str]:
    user = deployers()[environment].rsplit("/", 1)[1]
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", **ADMIN_KEYS)
    try:
        iam.create_user(UserName=user)
    except iam.exceptions.EntityAlreadyExistsException:
        for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }


def install() -> None:
    """Sceptre's connection manager, in this process, assumes `tapstack-deploy-{env}` as
    `env`'s deployer (its sessions are cached per role, so only the first call matters); it
    reads the deployer's keys from the credentials file, whatever the process environment."""
    from sceptre.connection_manager import ConnectionManager

    original = ConnectionManager._get_session
    if getattr(original, "tapstack_deployers", False):
        return

    def get_session(self, profile, region, sceptre_role, **kwargs):
        match = DEPLOY_ROLE.search(sceptre_role or "")
        if match and "AWS_ENDPOINT_URL" in os.environ:
            keys = credentials(match["environment"])
            self._get_envs = lambda: {**os.environ, **keys}
            profile = None  # the keys are the profile's; the process may not know its name
        return original(self, profile, region, sceptre_role, **kwargs)

    get_session.tapstack_deployers = True
    ConnectionManager._get_session = get_session
