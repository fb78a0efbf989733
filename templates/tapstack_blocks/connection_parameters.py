"""The database's connection facts in SSM (database stack): `/tapstack/{env}/db/{endpoint, port,
name, secret-arn}` as SecureString parameters under the environment key, written by the
secure_parameter custom resource (AWS::SSM::Parameter cannot create a SecureString)."""

from dataclasses import dataclass

from awacs import kms, ssm
from awacs.aws import Allow, Statement
from troposphere import AWSHelperFn, GetAtt, Ref, Template

from tapstack_blocks.custom_resources import SecureParameter
from tapstack_blocks.functions import FunctionSpec, VpcPlacement, add_vpc_function, kms_statement
from tapstack_blocks.naming import database_parameter_arn, database_parameter_name


@dataclass(frozen=True)
class ConnectionFacts:
    """Where the cluster is and which secret opens it."""

    endpoint: AWSHelperFn
    port: AWSHelperFn
    name: AWSHelperFn | str
    secret_arn: AWSHelperFn


def add_connection_parameters(
    template: Template, facts: ConnectionFacts, image_uri: Ref, placement: VpcPlacement
) -> None:
    """Publish `/tapstack/{env}/db/*` as SecureString parameters under the environment key
    (AWS::SSM::Parameter cannot create SecureString, hence the custom resource)."""
    kms_key_arn = placement.kms_key_arn
    published = {
        "Endpoint": ("endpoint", facts.endpoint),
        "Port": ("port", facts.port),
        "Name": ("name", facts.name),
        "SecretArn": ("secret-arn", facts.secret_arn),
    }
    # Exactly the parameters this stack owns: not writer-dns (its own resource, or the
    # baseline's) nor any other fact under /tapstack/{env}/db/ the validator trusts.
    parameter_arns = [database_parameter_arn(leaf) for leaf, _value in published.values()]
    function = add_vpc_function(
        template,
        FunctionSpec(
            logical_id="SecureParameterFunction",
            name="secure-parameter",
            description="Custom::SecureParameter: SSM SecureString parameters under the env key",
            handler="tapstack_secure_parameter.handler.handler",
            image_uri=image_uri,
            statements=[
                Statement(
                    Sid="ConnectionParameters",
                    Effect=Allow,
                    Action=[
                        ssm.PutParameter,
                        ssm.DeleteParameter,
                        ssm.AddTagsToResource,
                        ssm.RemoveTagsFromResource,
                    ],
                    Resource=parameter_arns,
                ),
                kms_statement(kms_key_arn, [kms.Encrypt, kms.GenerateDataKey]),
            ],
        ),
        placement,
    )
    for label, (leaf, value) in published.items():
        template.add_resource(
            SecureParameter(
                f"{label}Parameter",
                ServiceToken=GetAtt(function, "Arn"),
                Name=database_parameter_name(leaf),
                Value=value,
                KmsKeyId=kms_key_arn,
                Description=f"tapstack database connection: {leaf}",
            )
        )
