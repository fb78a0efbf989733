"""registry stack: one ECR repository per Lambda function that runs in this group.

It is its own stack, launched before the stacks whose functions use the images, because an
image must be in its repository before a stack can pin it by digest: the push hooks and the
`!ecr_image_digest` resolvers run before those stacks are created (docs/architecture.md).

One repository per function (not one repository with a tag per function): each function's
images keep their own lifecycle count, a tag names one build of one function, and a pull grant
or scan finding concerns one function. `sceptre_user_data.functions` lists the functions of the
group (config/{env}/{region}/registry.yaml); each gets `tapstack-{function}-{env}-{suffix}` and
an output `{Function}RepositoryName`.

Tags are immutable, every push is scanned, images are encrypted with the environment key, and
the lifecycle policy keeps the last `KeepImages` images. Only Lambda, for this account's
tapstack functions, may pull.
"""

import json
from typing import Literal

from awacs import ecr
from awacs.aws import Allow, ArnLike, Condition, Policy, Principal, Statement, StringEquals
from pydantic import BaseModel, ConfigDict, Field, field_validator
from tapstack_blocks.handler import render
from tapstack_blocks.naming import resource_name
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import add_environment_parameters, add_kms_key_arn_parameter
from tapstack_blocks.tags import name_tags
from troposphere import Parameter, Ref, Sub, Template
from troposphere.ecr import (
    EncryptionConfiguration,
    ImageScanningConfiguration,
    LifecyclePolicy,
    Repository,
)

DEFAULT_KEEP_IMAGES = 20
MAX_KEEP_IMAGES = 1000
# Every Lambda function of the project (lambda/<folder>, as its repository's name part).
FunctionName = Literal[
    "validator", "sync", "migrator", "rotation", "secure-parameter", "default-security-group"
]


class RegistryOptions(BaseModel):
    """Which functions run in this group: each gets its repository (none twice)."""

    model_config = ConfigDict(extra="forbid")

    functions: list[FunctionName] = Field(min_length=1)

    @field_validator("functions")
    @classmethod
    def _once_each(cls, functions: list[str]) -> list[str]:
        repeated = sorted({name for name in functions if functions.count(name) > 1})
        if repeated:
            raise ValueError(f"functions named more than once: {repeated}")
        return functions


def repository_output(function: str) -> str:
    """The output naming `function`'s repository, e.g. `SecureParameterRepositoryName`."""
    return "".join(part.capitalize() for part in function.split("-")) + "RepositoryName"


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


def build(options: RegistryOptions) -> Template:
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
    for function in options.functions:
        output = repository_output(function)
        repository = template.add_resource(
            _repository(output.removesuffix("Name"), function, kms_key_arn, Ref(keep))
        )
        add_exported_output(template, output, Ref(repository), f"The {function} ECR repository")
    return template


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("registry", RegistryOptions, build, sceptre_user_data)
