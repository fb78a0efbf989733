"""Custom::DefaultSecurityGroupLockdown: a VPC's default security group with no rules."""
