"""kms stack: the environment's customer-managed key and its alias `alias/tapstack-{env}`."""

from pydantic import BaseModel, ConfigDict
from tapstack_blocks.audit_trail import cloudtrail_key_statement
from tapstack_blocks.customer_managed_key import KeySpec, add_customer_managed_key
from tapstack_blocks.handler import render
from tapstack_blocks.kms_policy import key_policy
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import add_environment_parameters
from tapstack_blocks.protection import ProtectData, kept_unless_destroyable
from tapstack_blocks.retention import key_deletion_window_days
from troposphere import GetAtt, Ref, Sub, Template


class KmsOptions(BaseModel):
    """What the kms template may be told through sceptre_user_data."""

    model_config = ConfigDict(extra="forbid")

    protect_data: ProtectData = False  # Retain the key (tapstack_blocks.protection)


def build(options: KmsOptions) -> Template:
    """The kms stack's template."""
    template = Template(Description="tapstack kms: the environment's customer-managed key")
    environment, _suffix = add_environment_parameters(template)
    key, alias = add_customer_managed_key(
        template,
        KeySpec(
            logical_id="EnvironmentKey",
            resource="key",
            alias="tapstack",
            description=Sub("tapstack ${EnvironmentName}: data at rest in every tapstack stack"),
            policy=key_policy([cloudtrail_key_statement()]),  # the account's trail
            # Delete schedules deletion after the environment's window (prod: 30 days, so a
            # final snapshot stays restorable, docs/operations.md); protect_data retains the key.
            pending_window_days=key_deletion_window_days(template),
            deletion_policy=kept_unless_destroyable(options.protect_data),
        ),
        Ref(environment),
    )
    add_exported_output(template, "KeyArn", GetAtt(key, "Arn"), "ARN of the environment key")
    add_exported_output(template, "KeyId", Ref(key), "Id of the environment key")
    add_exported_output(template, "KeyAlias", Ref(alias), "Alias of the environment key")
    return template


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("kms", KmsOptions, build, sceptre_user_data)
