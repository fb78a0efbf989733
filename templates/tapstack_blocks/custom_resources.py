"""Typed troposphere classes for tapstack's custom resources (handlers in lambda/)."""

from troposphere import AWSHelperFn
from troposphere.cloudformation import CustomResource

Value = (str, AWSHelperFn)


class SecureParameter(CustomResource):
    """An SSM SecureString parameter under a KMS key (lambda/secure_parameter)."""

    resource_type = "Custom::SecureParameter"
    props = {  # noqa: RUF012 - troposphere's class-level property table
        "ServiceToken": (Value, True),
        "Name": (Value, True),
        "Value": (Value, True),
        "KmsKeyId": (Value, True),
        "Description": (str, False),
        "Tags": (list, False),
    }


class DatabaseMigration(CustomResource):
    """migrations/ applied to a database, and its least-privilege users (lambda/migrator)."""

    resource_type = "Custom::DatabaseMigration"
    props = {  # noqa: RUF012 - troposphere's class-level property table
        "ServiceToken": (Value, True),
        "EnvironmentName": (Value, True),
        "MigrationsBucket": (Value, True),
        "MigrationsKey": (Value, True),
        "DatabaseEndpoint": (Value, True),
        "DatabasePort": (Value, False),
        "DatabaseName": (Value, True),
        "MasterSecretArn": (Value, True),
        "MigratorSecretArn": (Value, True),
        "SyncAccess": (Value, False),
        "SyncSecretArn": (Value, False),
        "SyncTables": (Value, False),
        "ValidatorSecretArn": (Value, False),
        "ValidatorTables": (list, False),
        "LockTimeoutSeconds": (int, False),
    }


class DefaultSecurityGroupLockdown(CustomResource):
    """A VPC's default security group with every rule revoked (lambda/default_security_group)."""

    resource_type = "Custom::DefaultSecurityGroupLockdown"
    props = {  # noqa: RUF012 - troposphere's class-level property table
        "ServiceToken": (Value, True),
        "GroupId": (Value, True),
    }
