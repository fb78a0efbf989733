"""!upload_migrations: deterministic bundle, content-addressed upload, key passed to the stack."""

import hashlib
import io
import os
import uuid
import zipfile
from pathlib import Path
from typing import ClassVar

import pytest
from sceptre.exceptions import InvalidHookArgumentSyntaxError, InvalidResolverArgumentError
from sceptre.resolvers import Resolver
from tapstack_hooks.artifacts import ArtifactUploadError
from tapstack_hooks.hook_points import HookPlacementError
from tapstack_hooks.migrations_bundle import MigrationsUploadError, bundle_key, pack_migrations
from tapstack_hooks.migrations_key import MigrationsKey
from tapstack_hooks.upload_migrations import UploadMigrations
from tapstack_tools.sceptre_scratch import place_hook

FILES = {
    "V0001__create_things.sql": b"CREATE TABLE things (id INT PRIMARY KEY);\n",
    "V0002__add_colour.sql": b"ALTER TABLE things ADD COLUMN colour VARCHAR(20);\n",
}


def write_migrations(project: Path, files: dict[str, bytes], order=sorted) -> Path:
    directory = project / "migrations"
    directory.mkdir(parents=True, exist_ok=True)
    for name in order(files):
        (directory / name).write_bytes(files[name])
    return directory


def make_hook(
    argument: object,
    project: Path,
    name: str = "dev/us-east-1/migrations",
    point: str = "before_create",
):
    return place_hook(
        UploadMigrations(argument),
        point,
        name=name,
        stack_group_config={"project_path": str(project)},
    )


# --- packing -------------------------------------------------------------------------------


def test_same_files_give_the_same_bytes_whatever_order_and_mtime(tmp_path):
    first = write_migrations(tmp_path / "a", FILES)
    second = write_migrations(tmp_path / "b", FILES, order=lambda f: sorted(f, reverse=True))
    for path in second.iterdir():
        os.utime(path, (1_700_000_000, 1_700_000_000))
    (second / "README.md").write_text("not packed")
    assert pack_migrations(first) == pack_migrations(second)


def test_bundle_holds_the_sql_files_sorted_and_its_key_is_their_hash(tmp_path):
    bundle = pack_migrations(write_migrations(tmp_path, FILES))
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        assert archive.namelist() == sorted(FILES)
        assert {n: archive.read(n) for n in archive.namelist()} == FILES
    assert bundle_key(bundle) == f"migrations/{hashlib.sha256(bundle).hexdigest()}.zip"


def test_any_content_change_changes_the_key(tmp_path):
    before = bundle_key(pack_migrations(write_migrations(tmp_path / "a", FILES)))
    changed = {**FILES, "V0002__add_colour.sql": FILES["V0002__add_colour.sql"] + b"-- note\n"}
    after = bundle_key(pack_migrations(write_migrations(tmp_path / "b", changed)))
    assert before != after


def test_empty_directory_is_refused(tmp_path):
    (tmp_path / "migrations").mkdir()
    with pytest.raises(MigrationsUploadError, match=r"no \*\.sql files in"):
        pack_migrations(tmp_path / "migrations")


# --- argument ------------------------------------------------------------------------------


class BucketResolver(Resolver):
    """Stands in for !stack_output: resolves to its argument, and records that it did."""

    resolved: ClassVar[list[str]] = []

    def resolve(self) -> str:
        BucketResolver.resolved.append(self.argument)
        return self.argument


def test_resolver_bucket_is_not_resolved_at_setup(tmp_path):
    BucketResolver.resolved = []
    make_hook({"bucket": BucketResolver("later-bucket")}, tmp_path)
    assert BucketResolver.resolved == []


@pytest.mark.parametrize(
    ("argument", "problem"),
    [
        pytest.param(None, "the argument must be a mapping of bucket", id="missing"),
        pytest.param(["bucket"], "the argument must be a mapping of bucket", id="list"),
        pytest.param(
            {"bucket": "b", "dir": "x"},
            "unknown key `dir` (the keys are bucket, directory)",
            id="unknown-key",
        ),
        pytest.param({"directory": "migrations"}, "`bucket` is missing", id="no-bucket"),
        pytest.param(
            {"bucket": 7}, "`bucket` takes a bucket name, or a resolver giving one, not 7", id="7"
        ),
        pytest.param({"bucket": ""}, "`bucket` takes a bucket name", id="empty bucket"),
        pytest.param(
            {"bucket": "b", "parameter": "MigrationsKey"},
            "unknown key `parameter` (the keys are bucket, directory)",
            id="parameter-is-the-resolvers-job",
        ),
    ],
)
def test_malformed_argument_fails_at_setup_naming_the_key(tmp_path, argument, problem):
    with pytest.raises(InvalidHookArgumentSyntaxError) as caught:
        make_hook(argument, tmp_path)
    message = str(caught.value)
    assert message.startswith("dev/us-east-1/migrations: !upload_migrations: ")
    assert problem in message
    assert f"You gave {argument!r}." in message


@pytest.mark.parametrize("point", ["after_create", "before_delete"])
def test_other_hook_points_are_refused(tmp_path, point):
    with pytest.raises(HookPlacementError, match=f"not under `{point}`"):
        make_hook("bucket", tmp_path, point=point)


def test_a_directory_without_migrations_names_the_stack(tmp_path):
    hook = make_hook({"bucket": "b", "directory": "nothing-here"}, tmp_path)
    with pytest.raises(MigrationsUploadError, match=r"^dev/us-east-1/migrations: .*no \*\.sql"):
        hook.run()


# --- S3, on the local AWS ------------------------------------------------------------------


@pytest.fixture
def bucket(local_aws_env) -> str:
    local_aws = local_aws_env
    name = f"tapstack-migrations-{uuid.uuid4().hex[:12]}"
    s3 = local_aws.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


@pytest.mark.e2e
def test_uploads_once_per_content_under_the_resolvers_key(tmp_path, local_aws, bucket, request):
    # GIVEN migrations and a hook whose bucket comes from a resolver
    write_migrations(tmp_path, FILES)
    bundle = pack_migrations(tmp_path / "migrations")
    BucketResolver.resolved = []
    hook = make_hook({"bucket": BucketResolver(bucket)}, tmp_path, name=f"dev/{request.node.name}")
    # WHEN it runs twice (two launches with the same migrations)
    hook.run()
    make_hook({"bucket": bucket}, tmp_path, name=f"dev/{request.node.name}-again").run()
    # THEN the bundle is in the bucket once, under the key !migrations_key gives the stack, and
    # the hook sets no parameter itself (one way to deliver the key)
    key = MigrationsKey().clone_for_stack(hook.stack).resolve()
    assert key == bundle_key(bundle)
    s3 = local_aws.client("s3")
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [(v["Key"], v["IsLatest"]) for v in versions] == [(key, True)]
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == bundle
    assert "MigrationsKey" not in hook.stack.parameters
    assert BucketResolver.resolved == [bucket]


@pytest.mark.e2e
def test_custom_directory(tmp_path, local_aws, bucket, request):
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "V0001__x.sql").write_bytes(b"SELECT 1;")
    hook = make_hook(
        {"bucket": bucket, "directory": "db"}, tmp_path, name=f"dev/{request.node.name}"
    )
    hook.run()
    key = MigrationsKey("db").clone_for_stack(hook.stack).resolve()
    assert key == bundle_key(pack_migrations(tmp_path / "db"))
    assert local_aws.client("s3").head_object(Bucket=bucket, Key=key)["ContentLength"] > 0


@pytest.mark.e2e
def test_unreachable_bucket_fails_naming_the_stack(tmp_path, local_aws, bucket, request):
    write_migrations(tmp_path, FILES)
    hook = make_hook({"bucket": bucket + "-missing"}, tmp_path, name=f"dev/{request.node.name}")
    with pytest.raises(ArtifactUploadError) as caught:
        hook.run()
    assert str(caught.value).startswith(f"dev/{request.node.name}: cannot ")
    assert f"s3://{bucket}-missing/migrations/" in str(caught.value)
    assert "MigrationsKey" not in hook.stack.parameters


# --- !migrations_key -------------------------------------------------------------------------


def test_migrations_key_resolver_gives_the_key_the_hook_uploads_under(tmp_path):
    write_migrations(tmp_path, FILES)
    resolver = MigrationsKey().clone_for_stack(make_hook("bucket", tmp_path).stack)
    assert resolver.resolve() == bundle_key(pack_migrations(tmp_path / "migrations"))


@pytest.mark.parametrize("argument", ["", 7, ["migrations"]])
def test_migrations_key_rejects_a_malformed_directory(tmp_path, argument):
    with pytest.raises(InvalidResolverArgumentError, match="You gave"):
        MigrationsKey(argument).clone_for_stack(make_hook("bucket", tmp_path).stack)
