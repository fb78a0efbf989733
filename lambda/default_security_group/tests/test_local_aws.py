"""Custom::DefaultSecurityGroupLockdown on the local AWS: a new VPC's default group loses every
rule on Create and again on Update, no other group is touched, and Delete changes nothing."""

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def on_local_aws(local_aws, handler_module, cfn_responses, lambda_context):
    """(invoke(event) -> response, EC2 client, the new VPC's default group id, another group)."""
    module = handler_module(local_aws.env())
    responses = cfn_responses(module.helper)
    ec2 = local_aws.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    groups = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"]
    other = ec2.create_security_group(GroupName="other", Description="x", VpcId=vpc_id)["GroupId"]

    def invoke(event: dict) -> dict:
        module.handler(event, lambda_context)
        return responses[-1]

    yield invoke, ec2, groups[0]["GroupId"], other
    ec2.delete_security_group(GroupId=other)
    ec2.delete_vpc(VpcId=vpc_id)


def rules(ec2, group_id: str) -> tuple[list, list]:
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return group["IpPermissions"], group["IpPermissionsEgress"]


def test_create_and_update_leave_the_default_group_without_rules(on_local_aws, load_event):
    invoke, ec2, default, other = on_local_aws
    # GIVEN a new VPC's default group as EC2 opens it: egress to all, ingress from itself
    # (the local AWS creates the egress rule only; the ingress rule is added here)
    if not rules(ec2, default)[0]:
        ec2.authorize_security_group_ingress(
            GroupId=default,
            IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": default}]}],
        )
    ingress, egress = rules(ec2, default)
    assert ingress and egress
    # WHEN the resource is created THEN the default group has no rule; the other keeps its own
    create = load_event("create")
    create["ResourceProperties"]["GroupId"] = default
    response = invoke(create)
    assert (response["Status"], response["PhysicalResourceId"]) == ("SUCCESS", default)
    assert rules(ec2, default) == ([], [])
    assert rules(ec2, other)[1], "a group that is not the default one was changed"
    # WHEN someone adds a rule and the stack updates THEN it is gone again
    ec2.authorize_security_group_egress(
        GroupId=default,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    update = {**load_event("create"), "RequestType": "Update", "PhysicalResourceId": default}
    update["ResourceProperties"]["GroupId"] = default
    update["OldResourceProperties"] = dict(update["ResourceProperties"])
    assert invoke(update)["Status"] == "SUCCESS"
    assert rules(ec2, default) == ([], [])
    # WHEN the stack is deleted THEN nothing changes and Delete succeeds
    delete = {**load_event("create"), "RequestType": "Delete", "PhysicalResourceId": default}
    delete["ResourceProperties"]["GroupId"] = default
    assert invoke(delete)["Status"] == "SUCCESS"


def test_a_group_that_is_not_a_default_group_is_refused(on_local_aws, load_event):
    invoke, ec2, _default, other = on_local_aws
    create = load_event("create")
    create["ResourceProperties"]["GroupId"] = other
    response = invoke(create)
    assert response["Status"] == "FAILED"
    assert "not a VPC's default group" in response["Reason"]
    assert rules(ec2, other)[1], "the refused group lost its rules"
