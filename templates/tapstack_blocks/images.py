"""The parameter that pins a function's container image: an ECR URI by digest, never a tag.

Every tapstack function is a container image (lambda/<function>/Dockerfile). Its stack takes the
image as `{Function}ImageUri`, which `!ecr_image_digest` fills from the repository the
`!push_lambda_image` hook pushed to (config/), so a deploy runs exactly the image it names.
"""

from troposphere import Parameter

IMAGE_URI_PATTERN = (
    r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[a-z0-9][a-z0-9._/-]*"
    r"@sha256:[0-9a-f]{64}$"
)


def image_uri_parameter(logical_id: str, function: str) -> Parameter:
    """`logical_id` (e.g. MigratorImageUri): `function`'s image, pinned by digest."""
    return Parameter(
        logical_id,
        Type="String",
        AllowedPattern=IMAGE_URI_PATTERN,
        Description=f"The {function} image, pinned by digest (set by !ecr_image_digest).",
        ConstraintDescription="must be ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO@sha256:…, "
        "a digest, never a tag",
    )
