"""AWS::CloudTrail::Trail, backed by moto's CloudTrail backend (moto has no CloudFormation
model for it).

The trail is created with its bucket, key, CloudWatch Logs destination and event selectors,
and started when IsLogging is true; DescribeTrails, GetTrailStatus and GetEventSelectors then
show what the template declared. No event is ever delivered: nothing records API calls here
(docs/emulator.md).
"""

from typing import Any, ClassVar

from moto.cloudtrail.models import CloudTrailBackend, cloudtrail_backends

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.registry import register


def backend(scope: Scope) -> CloudTrailBackend:
    """The account and region's CloudTrail backend."""
    return cloudtrail_backends[scope.account_id][scope.region_name]


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


@register
class Trail(EmulatedResource):
    """AWS::CloudTrail::Trail: Ref is the trail name; GetAtt Arn."""

    TYPE = "AWS::CloudTrail::Trail"
    NAME_PROPERTY = "TrailName"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Arn": "arn"}

    @property
    def arn(self) -> str:
        return backend(self.scope).get_trail(self.physical_id).arn

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Trail":
        trail_name = properties.get("TrailName", name)
        backend(scope).create_trail(
            name=trail_name,
            bucket_name=properties["S3BucketName"],
            s3_key_prefix=properties.get("S3KeyPrefix", ""),
            sns_topic_name=properties.get("SnsTopicName", ""),
            is_global=_truthy(properties.get("IncludeGlobalServiceEvents", True)),
            is_multi_region=_truthy(properties.get("IsMultiRegionTrail", False)),
            log_validation=_truthy(properties.get("EnableLogFileValidation", False)),
            is_org_trail=_truthy(properties.get("IsOrganizationTrail", False)),
            cw_log_group_arn=properties.get("CloudWatchLogsLogGroupArn", ""),
            cw_role_arn=properties.get("CloudWatchLogsRoleArn", ""),
            kms_key_id=properties.get("KMSKeyId", ""),
            tags_list=properties.get("Tags", []),
        )
        resource = cls(scope, trail_name, {})
        resource.configure(properties)
        return resource

    def update(self, properties: dict[str, Any], new_name: str) -> "Trail":
        backend(self.scope).update_trail(
            name=self.physical_id,
            s3_bucket_name=properties["S3BucketName"],
            s3_key_prefix=properties.get("S3KeyPrefix"),
            sns_topic_name=properties.get("SnsTopicName"),
            include_global_service_events=_truthy(
                properties.get("IncludeGlobalServiceEvents", True)
            ),
            is_multi_region_trail=_truthy(properties.get("IsMultiRegionTrail", False)),
            enable_log_file_validation=_truthy(properties.get("EnableLogFileValidation", False)),
            is_organization_trail=_truthy(properties.get("IsOrganizationTrail", False)),
            cw_log_group_arn=properties.get("CloudWatchLogsLogGroupArn"),
            cw_role_arn=properties.get("CloudWatchLogsRoleArn"),
            kms_key_id=properties.get("KMSKeyId"),
        )
        self.configure(properties)
        return self

    def configure(self, properties: dict[str, Any]) -> None:
        """Event selectors and logging state as declared."""
        cloudtrail = backend(self.scope)
        cloudtrail.put_event_selectors(
            self.physical_id,
            properties.get("EventSelectors", []),
            properties.get("AdvancedEventSelectors", []),
        )
        if _truthy(properties.get("IsLogging", False)):
            cloudtrail.start_logging(self.physical_id)
        else:
            cloudtrail.stop_logging(self.physical_id)
        self.properties = properties

    def destroy(self) -> None:
        cloudtrail = backend(self.scope)
        if self.physical_id in cloudtrail.trails:
            cloudtrail.delete_trail(self.physical_id)
