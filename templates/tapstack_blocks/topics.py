"""An SNS topic encrypted with the environment's key, and a policy naming who may publish."""

from awacs import sns
from awacs.aws import (
    Allow,
    ArnLike,
    Condition,
    Policy,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import AWSHelperFn, Ref, Sub, Template
from troposphere.sns import Topic, TopicPolicy

from tapstack_blocks.naming import PROJECT, resource_name
from tapstack_blocks.tags import name_tags
from tapstack_blocks.tls_only import deny_insecure_transport

# CloudWatch alarms of this account named like every tapstack resource.
TAPSTACK_ALARMS = Sub(
    f"arn:${{AWS::Partition}}:cloudwatch:${{AWS::Region}}:${{AWS::AccountId}}:alarm:{PROJECT}-*"
)


def add_encrypted_topic(
    template: Template, logical_id: str, name: str, kms_key_arn: AWSHelperFn
) -> Topic:
    """A topic named `tapstack-{name}-{env}-{suffix}`, encrypted with `kms_key_arn`."""
    return template.add_resource(
        Topic(
            logical_id,
            TopicName=resource_name(name),
            DisplayName=resource_name(name),
            KmsMasterKeyId=kms_key_arn,
            Tags=name_tags(resource_name(name)),
        )
    )


def add_alarm_publishing_policy(template: Template, topic: Topic) -> TopicPolicy:
    """Only this account's tapstack alarms may publish (besides IAM principals of the
    account, which need an IAM grant); nothing may publish without TLS."""
    alarms = Statement(
        Sid="TapstackAlarmsOfThisAccount",
        Effect=Allow,
        Principal=Principal("Service", "cloudwatch.amazonaws.com"),
        Action=[sns.Publish],
        Resource=[Ref(topic)],
        Condition=Condition(
            [
                StringEquals("aws:SourceAccount", Ref("AWS::AccountId")),
                ArnLike("aws:SourceArn", TAPSTACK_ALARMS),
            ]
        ),
    )
    return _add_policy(template, topic, [alarms, _deny_insecure_transport(topic)])


def add_tls_only_publishing_policy(template: Template, topic: Topic) -> TopicPolicy:
    """Publishers need an IAM grant of this account; nothing may publish without TLS."""
    return _add_policy(template, topic, [_deny_insecure_transport(topic)])


def _deny_insecure_transport(topic: Topic) -> Statement:
    return deny_insecure_transport([sns.Publish], [Ref(topic)])


def _add_policy(template: Template, topic: Topic, statements: list[Statement]) -> TopicPolicy:
    return template.add_resource(
        TopicPolicy(
            f"{topic.title}Policy",
            Topics=[Ref(topic)],
            PolicyDocument=Policy(Version="2012-10-17", Statement=statements),
        )
    )
