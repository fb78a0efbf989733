"""AWS::SNS::Topic with its key and tags, updated in place; AWS::SNS::TopicPolicy (missing in
moto).

moto's Topic model hands every property to `create_topic` as an attribute (so Tags land as a
list where a dict belongs) and replaces the topic on every update; TopicPolicy is not modelled.
"""

import json
from typing import Any

from moto.moto_api._internal import mock_random
from moto.sns.models import SNSBackend, sns_backends

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.registry import register

# Topic properties that are topic attributes, and moto's names for them.
TOPIC_ATTRIBUTES = {"DisplayName": "display_name", "KmsMasterKeyId": "kms_master_key_id"}


def backend(scope: Scope) -> SNSBackend:
    """The account and region's SNS backend."""
    return sns_backends[scope.account_id][scope.region_name]


@register
class Topic(EmulatedResource):
    """AWS::SNS::Topic: Ref is the ARN; GetAtt TopicArn, TopicName."""

    TYPE = "AWS::SNS::Topic"
    NAME_PROPERTY = "TopicName"
    ATTRIBUTES = {"TopicArn": "physical_id", "TopicName": "name"}  # noqa: RUF012

    @property
    def name(self) -> str:
        return self.physical_id.rsplit(":", 1)[1]

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Topic":
        topic = backend(scope).create_topic(properties.get("TopicName") or name)
        resource = cls(scope, topic.arn, {})
        resource.configure(properties)
        return resource

    def update(self, properties: dict[str, Any], new_name: str) -> "Topic":
        self.configure(properties)
        return self

    def configure(self, properties: dict[str, Any]) -> None:
        """Attributes and tags as declared."""
        sns = backend(self.scope)
        for attribute, moto_name in TOPIC_ATTRIBUTES.items():
            sns.set_topic_attribute(self.physical_id, moto_name, properties.get(attribute, ""))
        old_tags = {t["Key"] for t in self.properties.get("Tags", [])}
        new_tags = {t["Key"]: t["Value"] for t in properties.get("Tags", [])}
        if old_tags - set(new_tags):
            sns.untag_resource(self.physical_id, sorted(old_tags - set(new_tags)))
        if new_tags:
            sns.tag_resource(self.physical_id, new_tags)
        self.properties = properties

    def destroy(self) -> None:
        backend(self.scope).delete_topic(self.physical_id)


@register
class TopicPolicy(EmulatedResource):
    """AWS::SNS::TopicPolicy: sets the Policy attribute of each topic; delete restores the
    default policy."""

    TYPE = "AWS::SNS::TopicPolicy"

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "TopicPolicy":
        suffix = mock_random.get_random_string(12)
        resource = cls(scope, f"{scope.stack_name}-{scope.logical_id}-{suffix}", {})
        resource.apply(properties)
        return resource

    def update(self, properties: dict[str, Any], new_name: str) -> "TopicPolicy":
        removed = set(self.properties.get("Topics", [])) - set(properties.get("Topics", []))
        self._restore_default(removed)
        self.apply(properties)
        return self

    def apply(self, properties: dict[str, Any]) -> None:
        """Put the policy on every listed topic."""
        document = properties["PolicyDocument"]
        text = document if isinstance(document, str) else json.dumps(document)
        for topic_arn in properties["Topics"]:
            backend(self.scope).set_topic_attribute(topic_arn, "policy", text)
        self.properties = properties

    def destroy(self) -> None:
        self._restore_default(set(self.properties.get("Topics", [])))

    def _restore_default(self, topic_arns: set[str]) -> None:
        sns = backend(self.scope)
        for topic_arn in topic_arns:
            if topic_arn in sns.topics:
                topic = sns.topics[topic_arn]
                topic.policy = json.dumps(
                    topic._create_default_topic_policy(
                        self.scope.region_name, self.scope.account_id, topic.name
                    )
                )
