"""AWS::EC2::FlowLog with deletion (moto's model creates it but never deletes it)."""

from typing import Any

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.models.ec2_common import ec2, tag
from tapstack_emulator.registry import register


@register
class FlowLog(EmulatedResource):
    """AWS::EC2::FlowLog: Ref and GetAtt Id are the flow log id; updates replace it."""

    TYPE = "AWS::EC2::FlowLog"
    ATTRIBUTES = {"Id": "physical_id"}  # noqa: RUF012

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "FlowLog":
        created, unsuccessful = ec2(scope).create_flow_logs(
            resource_type=properties["ResourceType"],
            resource_ids=[properties["ResourceId"]],
            traffic_type=properties.get("TrafficType"),
            deliver_logs_permission_arn=properties.get("DeliverLogsPermissionArn"),
            log_destination_type=properties.get("LogDestinationType", "cloud-watch-logs"),
            log_destination=properties.get("LogDestination"),
            log_group_name=properties.get("LogGroupName"),
            log_format=properties.get("LogFormat"),
            max_aggregation_interval=properties.get("MaxAggregationInterval"),
        )
        if unsuccessful:
            raise ValueError(f"flow log not created: {unsuccessful[0][2]}")
        (flow_log,) = created
        tag(scope, flow_log.id, properties)
        return cls(scope, flow_log.id, properties)

    def destroy(self) -> None:
        backend = ec2(self.scope)
        if self.physical_id in backend.flow_logs:
            backend.delete_flow_logs([self.physical_id])
