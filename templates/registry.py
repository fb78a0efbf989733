"""registry stack: the ECR repository the validator image is pushed to.

It is its own stack, launched before compute, because the image must be in the repository
before the compute stack can pin it by digest: the push hook and the `!ecr_image_digest`
resolver of the compute stack both run before that stack is created (docs/architecture.md).

Tags are immutable, every push is scanned, images are encrypted with the environment key, and
the lifecycle policy keeps the last `KeepImages` images. Only Lambda, for this account's
tapstack functions, may pull.
"""

import json

from awacs import ecr
from awacs.aws import Allow, ArnLike, Condition, Policy, Principal, Statement, StringEquals
from pydantic import BaseModel, ConfigDict
from tapstack_blocks.handler import render
from tapstack_blocks.naming import resource_name
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import add_environment_parameters, add_kms_key_arn_parameter
from tapstack_blocks.tags import name_tags
from troposphere import Equals, GetAtt, Parameter, Ref, Sub, Template
from troposphere.ecr import (
    EncryptionConfiguration,
    ImageScanningConfiguration,
    LifecyclePolicy,
    Repository,
)

DEFAULT_KEEP_IMAGES = 20
HAS_SYNC = "HasSyncRepository"
MAX_KEEP_IMAGES = 1000


class RegistryOptions(BaseModel):
    """The registry template takes no sceptre_user_data; anything given is an error."""

    model_config = ConfigDict(extra="forbid")


def lifecycle_policy_text(keep: Ref) -> Sub:
    """Expire every image beyond the newest `keep` (tagged or not)."""
    rule = {
        "rulePriority": 1,
        "description": "keep the newest images only",
        "selection": {
            "tagStatus": "any",
            "countType": "imageCountMoreThan",
            "countNumber": "KEEP",
        },
        "action": {"type": "expire"},
    }
    text = json.dumps({"rules": [rule]}, sort_keys=True).replace('"KEEP"', "${Keep}")
    return Sub(text, Keep=keep)


def lambda_pull_policy() -> Policy:
    """Lambda may pull images for this account's tapstack functions, nothing else."""
    return Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="LambdaPullsForTapstackFunctions",
                Effect=Allow,
                Principal=Principal("Service", "lambda.amazonaws.com"),
                Action=[ecr.BatchGetImage, ecr.GetDownloadUrlForLayer],
                Condition=Condition(
                    [
                        StringEquals("aws:SourceAccount", Ref("AWS::AccountId")),
                        ArnLike(
                            "aws:SourceArn",
                            Sub(
                                "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}"
                                ":function:tapstack-*"
                            ),
                        ),
                    ]
                ),
            )
        ],
    )


def _repository(logical_id: str, name: str, kms_key_arn: Ref, keep: Ref) -> Repository:
    """An immutable, scanned, KMS-encrypted repository named `tapstack-{name}-{env}-{suffix}`."""
    return Repository(
        logical_id,
        RepositoryName=resource_name(name),
        ImageTagMutability="IMMUTABLE",
        ImageScanningConfiguration=ImageScanningConfiguration(ScanOnPush=True),
        EncryptionConfiguration=EncryptionConfiguration(EncryptionType="KMS", KmsKey=kms_key_arn),
        LifecyclePolicy=LifecyclePolicy(LifecyclePolicyText=lifecycle_policy_text(keep)),
        RepositoryPolicyText=lambda_pull_policy(),
        # Images are rebuilt from the sources in git; a stack delete removes them.
        EmptyOnDelete=True,
        Tags=name_tags(resource_name(name)),
        DeletionPolicy="Delete",
        UpdateReplacePolicy="Delete",
    )


def build(_options: RegistryOptions) -> Template:
    """The registry stack's template."""
    template = Template(Description="tapstack registry: the ECR repositories of the Lambda images")
    add_environment_parameters(template)
    kms_key_arn = Ref(add_kms_key_arn_parameter(template))
    keep = template.add_parameter(
        Parameter(
            "KeepImages",
            Type="Number",
            Default=DEFAULT_KEEP_IMAGES,
            MinValue=1,
            MaxValue=MAX_KEEP_IMAGES,
            Description="How many of the newest images the lifecycle policy keeps.",
            ConstraintDescription=f"must be 1 to {MAX_KEEP_IMAGES}",
        )
    )
    repository = template.add_resource(
        _repository("ValidatorRepository", "validator", kms_key_arn, Ref(keep))
    )
    # The sync image (lambda/sync): only where the sync runs (prod's home region).
    with_sync = template.add_parameter(
        Parameter(
            "WithSyncRepository",
            Type="String",
            Default="false",
            AllowedValues=["true", "false"],
            Description="true where the sync stack runs: adds the sync image's repository.",
            ConstraintDescription="must be true or false",
        )
    )
    template.add_condition(HAS_SYNC, Equals(Ref(with_sync), "true"))
    sync_repository = _repository("SyncRepository", "sync", kms_key_arn, Ref(keep))
    sync_repository.Condition = HAS_SYNC
    template.add_resource(sync_repository)
    add_exported_output(
        template,
        "SyncRepositoryName",
        Ref(sync_repository),
        "The sync's ECR repository (where the sync runs)",
        condition=HAS_SYNC,
    )
    add_exported_output(
        template, "ValidatorRepositoryName", Ref(repository), "The validator's ECR repository"
    )
    add_exported_output(
        template, "ValidatorRepositoryUri", GetAtt(repository, "RepositoryUri"), "Its URI"
    )
    add_exported_output(template, "ValidatorRepositoryArn", GetAtt(repository, "Arn"), "Its ARN")
    return template


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("registry", RegistryOptions, build, sceptre_user_data)
