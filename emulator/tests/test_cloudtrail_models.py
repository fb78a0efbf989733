"""AWS::CloudTrail::Trail: the trail, its destinations, event selectors and logging state show
in the CloudTrail API; an update changes them in place; the stack's deletion removes it."""

from stack_helpers import unique

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"


def trail_template(bucket: str, trail: str, multi_region: bool) -> dict:
    return {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket}},
            "Trail": {
                "Type": "AWS::CloudTrail::Trail",
                "DependsOn": ["Bucket"],
                "Properties": {
                    "TrailName": trail,
                    "S3BucketName": bucket,
                    "IsLogging": True,
                    "IsMultiRegionTrail": multi_region,
                    "IncludeGlobalServiceEvents": True,
                    "EnableLogFileValidation": True,
                    "KMSKeyId": KEY_ARN,
                    "EventSelectors": [
                        {
                            "IncludeManagementEvents": True,
                            "ReadWriteType": "All",
                            "DataResources": [
                                {"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{bucket}/"]}
                            ],
                        }
                    ],
                },
            },
        },
        "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Trail", "Arn"]}}},
    }


def test_trail_is_created_logging_updated_and_deleted(stacks, client):
    bucket, name = unique("trail-bucket"), unique("trail")
    stack = stacks.create(trail_template(bucket, name, multi_region=False))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    cloudtrail = client("cloudtrail")
    (trail,) = cloudtrail.describe_trails(trailNameList=[name])["trailList"]
    assert (trail["S3BucketName"], trail["KmsKeyId"]) == (bucket, KEY_ARN)
    assert trail["LogFileValidationEnabled"] is True
    assert trail["IsMultiRegionTrail"] is False
    assert stacks.outputs(stack["StackName"]) == {"Arn": trail["TrailARN"]}
    assert cloudtrail.get_trail_status(Name=name)["IsLogging"] is True
    (selector,) = cloudtrail.get_event_selectors(TrailName=name)["EventSelectors"]
    assert selector["DataResources"] == [
        {"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{bucket}/"]}
    ]
    updated = stacks.update(stack["StackName"], trail_template(bucket, name, multi_region=True))
    assert updated["StackStatus"] == "UPDATE_COMPLETE", updated
    (trail,) = cloudtrail.describe_trails(trailNameList=[name])["trailList"]
    assert trail["IsMultiRegionTrail"] is True
    assert stacks.delete(stack["StackName"]) == "DELETE_COMPLETE"
    assert cloudtrail.describe_trails(trailNameList=[name])["trailList"] == []
