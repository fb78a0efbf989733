"""Custom::SecureParameter: SSM SecureString parameters under a given KMS key."""
