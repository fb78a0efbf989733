"""The project's conventions, each written once: its environments, the naming suffix, and the
deploy role's name.

The templates declare them as CloudFormation constraints (tapstack_blocks.parameters) and the
config model checks them, so config errors are caught before any stack is touched and
CloudFormation would refuse the same values anyway.
"""

PROJECT = "tapstack"
ENVIRONMENTS = ("dev", "staging", "prod")
SUFFIX_PATTERN = r"^[a-z0-9]{2,8}$"
SUFFIX_DESCRIPTION = "2 to 8 lowercase letters or digits (it becomes part of resource names)"
# The deploy role's name, `{DEPLOY_ROLE}-{env}`, written here only: the iam stack creates it,
# every key policy and guard rail names it (tapstack_blocks.naming), and `!deploy_role` makes
# Sceptre assume it. tests/test_deploy_role_name.py proves the rendered name and the resolved
# ARN agree.
DEPLOY_ROLE = f"{PROJECT}-deploy"
