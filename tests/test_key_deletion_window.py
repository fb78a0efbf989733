"""docs/operations.md, "Restoring prod's final snapshot": with protect_data off, tearing prod
down schedules its key's deletion in 30 days; within them the key can be brought back
(CancelKeyDeletion, EnableKey) and whatever it encrypted, the final snapshot included, read
again. Played on the local AWS, which models key state (the snapshot restore itself is not
modelled there: docs/emulator.md)."""

import datetime
import json
import uuid

import kms
import pytest

pytestmark = pytest.mark.e2e


def test_a_torn_down_prod_key_stays_recoverable_for_30_days(local_aws):
    cloudformation, keys = local_aws.client("cloudformation"), local_aws.client("kms")
    stack = f"tapstack-prod-kms-{uuid.uuid4().hex[:8]}"
    # GIVEN prod's key as the kms stack renders it (protect_data off), and data under it
    cloudformation.create_stack(
        StackName=stack,
        TemplateBody=kms.build(kms.KmsOptions()).to_json(),
        Parameters=[
            {"ParameterKey": "EnvironmentName", "ParameterValue": "prod"},
            {"ParameterKey": "EnvironmentSuffix", "ParameterValue": uuid.uuid4().hex[:6]},
            {"ParameterKey": "KeyDeletionWindowDays", "ParameterValue": "30"},  # prod's window
        ],
    )
    waiter = {"StackName": stack, "WaiterConfig": {"Delay": 1, "MaxAttempts": 60}}
    cloudformation.get_waiter("stack_create_complete").wait(**waiter)
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    key_id = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "KeyId")
    sealed = keys.encrypt(KeyId=key_id, Plaintext=b"final snapshot data key")["CiphertextBlob"]
    # WHEN prod is torn down THEN the key waits 30 days for deletion (AWS then refuses to
    # decrypt with it; moto still does, docs/emulator.md)
    cloudformation.delete_stack(StackName=stack)
    cloudformation.get_waiter("stack_delete_complete").wait(**waiter)
    metadata = keys.describe_key(KeyId=key_id)["KeyMetadata"]
    assert metadata["KeyState"] == "PendingDeletion"
    left = metadata["DeletionDate"] - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(days=29) < left <= datetime.timedelta(days=30), left
    # WHEN the steps of docs/operations.md run THEN the key decrypts again
    keys.cancel_key_deletion(KeyId=key_id)
    assert keys.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"
    keys.enable_key(KeyId=key_id)
    assert keys.decrypt(CiphertextBlob=sealed)["Plaintext"] == b"final snapshot data key"
    assert json.loads(keys.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
