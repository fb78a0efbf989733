"""ECR image digests and registry ids as ECR has them.

- moto derives an image's digest from its layer digests (or at random when there are none),
  so two manifests with the same layers share a digest. ECR's digest is the SHA-256 of the
  manifest bytes as pushed: here too, so a pinned digest names exactly one manifest.
- moto answers every request with `registryId` of another account "repository not found".
  ECR serves that account's registry (when its repository policy allows the caller; policies
  are not enforced here), so the request goes to that account's backend.
"""

import hashlib

from moto.ecr.models import ECRBackend, Image, Repository, ecr_backends

_moto_get_repository = ECRBackend._get_repository


def _manifest_digest(self: Image) -> None:
    self._image_digest = "sha256:" + hashlib.sha256(self.image_manifest.encode()).hexdigest()


def _get_repository(self: ECRBackend, name: str, registry_id: str | None = None) -> Repository:
    if registry_id and registry_id != self.account_id:
        owner = ecr_backends[registry_id][self.region_name]
        return _moto_get_repository(owner, name, registry_id)
    return _moto_get_repository(self, name, registry_id)


def apply() -> None:
    """Manifest digests; other accounts' registries."""
    Image._create_digest = _manifest_digest
    ECRBackend._get_repository = _get_repository
