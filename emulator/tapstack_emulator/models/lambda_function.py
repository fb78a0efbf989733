"""AWS::Lambda::Function from an S3 zip or an ECR image, every property our templates set,
zips run without Docker.

moto's model drops KmsKeyArn (it reads `KMSKeyArn`), LoggingConfig, DeadLetterConfig and Tags,
cannot update in place, runs code only in Docker, and takes any ImageUri (or, with
MOTO_LAMBDA_STUB_ECR=false, looks only in the function's own account). Here an image must exist
in the ECR registry its URI names (account, region, repository; by digest or tag), as Lambda
requires, and GetFunction's ResolvedImageUri is its digest. Invocation is
`lambda_runtime.invoke` for zips (see behaviours/lambda_without_docker.py); images cannot run
here.
"""

import re
from typing import Any, ClassVar

from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda.utils import get_backend
from moto.ecr.models import ecr_backends

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.registry import register

MAX_NAME = 64
#: CloudFormation property -> key of moto's create_function spec
SPEC_KEYS = {
    "Description": "Description",
    "Handler": "Handler",
    "Runtime": "Runtime",
    "Role": "Role",
    "Timeout": "Timeout",
    "MemorySize": "MemorySize",
    "VpcConfig": "VpcConfig",
    "Environment": "Environment",
    "ReservedConcurrentExecutions": "ReservedConcurrentExecutions",
    "KmsKeyArn": "KMSKeyArn",
    "Architectures": "Architectures",
    "EphemeralStorage": "EphemeralStorage",
    "TracingConfig": "TracingConfig",
    "Layers": "Layers",
    "PackageType": "PackageType",
    "ImageConfig": "ImageConfig",
}
IMAGE_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[^:@]+)(?::(?P<tag>[^@]+)|@(?P<digest>sha256:[0-9a-f]{64}))$"
)


def backend(scope: Scope) -> LambdaBackend:
    """The account and region's Lambda backend."""
    return get_backend(scope.account_id, scope.region_name)


def _code(properties: dict[str, Any]) -> dict[str, Any]:
    code = dict(properties["Code"])
    if "ZipFile" in code:
        raise ValueError("the local AWS runs Code.S3Bucket/S3Key packages, not inline ZipFile")
    return code


def image_digest(image_uri: str) -> str:
    """The digest of the ECR image `image_uri` names; Lambda's error when there is none."""
    match = IMAGE_URI.match(image_uri)
    invalid = f"Source image {image_uri} is not valid. Provide a valid source image."
    if not match:
        raise ValueError(invalid)
    registry = ecr_backends[match["account"]][match["region"]]
    repository = registry.repositories.get(match["repository"])
    for image in repository.images if repository else []:
        if image.get_image_digest() == match["digest"] or match["tag"] in image.image_tags:
            return image.get_image_digest()
    raise ValueError(f"Source image {image_uri} does not exist. Provide a valid source image.")


@register
class Function(EmulatedResource):
    """AWS::Lambda::Function: Ref is the function name; GetAtt Arn."""

    TYPE = "AWS::Lambda::Function"
    REPLACED_BY = ("PackageType",)
    REPLACED_BY_DEFAULTS: ClassVar[dict[str, Any]] = {"PackageType": "Zip"}
    NAME_PROPERTY = "FunctionName"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Arn": "arn"}

    @property
    def function(self) -> LambdaFunction:
        return backend(self.scope).get_function(self.physical_id)

    @property
    def arn(self) -> str:
        return self.function.function_arn

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Function":
        function_name = properties.get("FunctionName", name[:MAX_NAME])
        spec = {SPEC_KEYS[k]: v for k, v in properties.items() if k in SPEC_KEYS}
        spec.update(FunctionName=function_name, Code=_code(properties))
        if "ImageUri" in spec["Code"]:
            image_digest(spec["Code"]["ImageUri"])  # before anything is created
        spec["Tags"] = {tag["Key"]: tag["Value"] for tag in properties.get("Tags", [])}
        function = backend(scope).create_function(spec)
        resource = cls(scope, function.function_name, properties)
        resource.configure(properties)
        return resource

    def update(self, properties: dict[str, Any], new_name: str) -> "Function":
        function = self.function
        if "ImageUri" in _code(properties):
            image_digest(_code(properties)["ImageUri"])  # before anything changes
        config = {SPEC_KEYS[k]: properties.get(k) for k in SPEC_KEYS if k in properties}
        config.setdefault("Environment", {"Variables": {}})
        function.update_configuration(config)
        if _code(properties) != _code(self.properties):
            function.update_function_code(_code(properties))
        function.description = properties.get("Description", "")
        function.timeout = properties.get("Timeout", 3)
        function.memory_size = properties.get("MemorySize", 128)
        function._vpc_config = properties.get("VpcConfig")
        function.tags = {tag["Key"]: tag["Value"] for tag in properties.get("Tags", [])}
        self.configure(properties)
        return self

    def configure(self, properties: dict[str, Any]) -> None:
        """What moto's constructor and update leave out."""
        function = self.function
        function.kms_key_arn = properties.get("KmsKeyArn")
        function.reserved_concurrency = properties.get("ReservedConcurrentExecutions")
        function.logging_config = properties.get("LoggingConfig")
        function.dead_letter_config = properties.get("DeadLetterConfig")
        image_uri = _code(properties).get("ImageUri")
        function.resolved_image_digest = image_digest(image_uri) if image_uri else None
        self.properties = properties

    def destroy(self) -> None:
        lambdas = backend(self.scope)
        try:
            lambdas.get_function(self.physical_id)
        except Exception:
            return
        lambdas.delete_function(self.physical_id)
