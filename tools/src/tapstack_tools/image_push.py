"""Push an image to ECR through the registry API, without Docker: the layer uploads and
PutImage that `docker push` makes. For machines with no Docker daemon (the demo, tests).

The image is real as far as the registry can tell: a Docker v2 manifest whose config (the
Dockerfile's CMD and ENV, as `docker build` records them) and one layer (the given files under
/var/task, as a deterministic tar.gz) are uploaded blobs. It is not a runnable Lambda image: it
has no base-image layers. The local AWS runs it by its config (docs/emulator.md).
"""

import gzip
import hashlib
import io
import json
import re
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"
LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"
TASK_ROOT = "var/task"

# `call(command, kwargs)`: one ECR API call, e.g. a connection manager's or a client's.
EcrCall = Callable[[str, dict[str, Any]], dict[str, Any]]


def _layer(files: dict[str, bytes]) -> tuple[bytes, bytes]:
    """(tar, tar.gz) of `files` under /var/task; same files give the same bytes."""
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(files):
            info = tarfile.TarInfo(f"{TASK_ROOT}/{name}")
            info.size, info.mode, info.mtime = len(files[name]), 0o644, 0
            archive.addfile(info, io.BytesIO(files[name]))
    tar = tar_buffer.getvalue()
    return tar, gzip.compress(tar, mtime=0)


def _upload_blob(call: EcrCall, repository: str, blob: bytes) -> str:
    upload = call("initiate_layer_upload", {"repositoryName": repository})
    call(
        "upload_layer_part",
        {
            "repositoryName": repository,
            "uploadId": upload["uploadId"],
            "partFirstByte": 0,
            "partLastByte": len(blob) - 1,
            "layerPartBlob": blob,
        },
    )
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    done = call(
        "complete_layer_upload",
        {"repositoryName": repository, "uploadId": upload["uploadId"], "layerDigests": [digest]},
    )
    return done["layerDigest"]


@dataclass(frozen=True)
class ImageSettings:
    """What a Dockerfile's final stage sets for the running container: CMD and ENV."""

    command: list[str]
    environment: list[str]


def dockerfile_settings(dockerfile: Path) -> ImageSettings:
    """CMD (exec form) and `ENV NAME=value` lines of the Dockerfile's final stage, as `docker
    build` records them in the image config (the local AWS runs image functions by them)."""
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    final_stage = re.split(r"^FROM\s", text, flags=re.M)[-1]
    commands = re.findall(r"^CMD\s+(\[.*\])\s*$", final_stage, re.M)
    if not commands:
        raise ValueError(f"{dockerfile}: the final stage has no exec-form CMD")
    environment = [
        f"{name}={value}"
        for line in re.findall(r"^ENV\s+(.+)$", final_stage, re.M)
        for name, value in re.findall(r"(\w+)=(\S+)", line)
    ]
    return ImageSettings(json.loads(commands[-1]), environment)


def push_image(
    call: EcrCall, repository: str, tag: str, files: dict[str, bytes], settings: ImageSettings
) -> str:
    """Upload the blobs, put the manifest under `tag`; the image digest ECR reports."""
    tar, layer = _layer(files)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {
                "Cmd": settings.command,
                "Env": settings.environment,
                "WorkingDir": f"/{TASK_ROOT}",
            },
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]},
        },
        sort_keys=True,
    ).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": {
            "mediaType": CONFIG_TYPE,
            "size": len(config),
            "digest": _upload_blob(call, repository, config),
        },
        "layers": [
            {
                "mediaType": LAYER_TYPE,
                "size": len(layer),
                "digest": _upload_blob(call, repository, layer),
            }
        ],
    }
    response = call(
        "put_image",
        {
            "repositoryName": repository,
            "imageManifest": json.dumps(manifest, indent=3),
            "imageManifestMediaType": MANIFEST_TYPE,
            "imageTag": tag,
        },
    )
    return response["image"]["imageId"]["imageDigest"]
