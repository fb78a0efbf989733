"""ECR image digests and registry ids as ECR has them.

- moto derives an image's digest from its layer digests (or at random when there are none),
  so two manifests with the same layers share a digest. ECR's digest is the SHA-256 of the
  manifest bytes as pushed: here too, so a pinned digest names exactly one manifest.
- moto answers every request with `registryId` of another account "repository not found".
  ECR serves that account's registry (when its repository policy allows the caller; policies
  are not enforced here), so the request goes to that account's backend.
- moto keeps only the size of an uploaded blob. Blobs up to KEPT_BLOB_BYTES keep their bytes,
  so an image's config (its `Cmd`, what Lambda runs when a function sets no
  ImageConfig.Command) can be read back: `image_config`.
"""

import hashlib
import json
import re
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.ecr.models import ECRBackend, Image, Repository, ecr_backends

KEPT_BLOB_BYTES = 1 << 20
IMAGE_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
    r"(?P<repository>[a-z0-9._/-]+)(:(?P<tag>[\w.-]+))?(@(?P<digest>sha256:[0-9a-f]{64}))?$"
)

_moto_get_repository = ECRBackend._get_repository
_moto_complete_layer_upload = ECRBackend.complete_layer_upload


def _complete_layer_upload(
    self: ECRBackend,
    repository_name: str,
    upload_id: str,
    layer_digests: list[str],
    registry_id: str | None = None,
) -> dict[str, Any]:
    repository = self._get_repository(repository_name, registry_id)
    upload = repository.uploads.get(upload_id)
    data = bytes(upload.layer_parts) if upload is not None else b""
    result = _moto_complete_layer_upload(
        self, repository_name, upload_id, layer_digests, registry_id
    )
    if len(data) <= KEPT_BLOB_BYTES:
        if not hasattr(repository, "blobs"):
            repository.blobs = {}
        repository.blobs[result["layerDigest"]] = data
    return result


def image_config(image_uri: str) -> dict[str, Any] | None:
    """The `config` section (Cmd, Env, WorkingDir...) of the image `image_uri` names, or None
    when the image, its manifest's config blob or its bytes are not in the registry."""
    match = IMAGE_URI.match(image_uri or "")
    if match is None:
        return None
    try:
        repository = ecr_backends[match["account"]][match["region"]]._get_repository(
            match["repository"]
        )
        image = repository._get_image(
            None if match["digest"] else match["tag"] or "latest", match["digest"]
        )
        config_digest = json.loads(image.image_manifest)["config"]["digest"]
        return json.loads(getattr(repository, "blobs", {})[config_digest]).get("config") or {}
    except (JsonRESTError, KeyError, TypeError, ValueError):  # not in this registry
        return None


def _manifest_digest(self: Image) -> None:
    self._image_digest = "sha256:" + hashlib.sha256(self.image_manifest.encode()).hexdigest()


def _get_repository(self: ECRBackend, name: str, registry_id: str | None = None) -> Repository:
    if registry_id and registry_id != self.account_id:
        owner = ecr_backends[registry_id][self.region_name]
        return _moto_get_repository(owner, name, registry_id)
    return _moto_get_repository(self, name, registry_id)


def apply() -> None:
    """Manifest digests; other accounts' registries; blob bytes kept for image configs."""
    Image._create_digest = _manifest_digest
    ECRBackend._get_repository = _get_repository
    ECRBackend.complete_layer_upload = _complete_layer_upload
