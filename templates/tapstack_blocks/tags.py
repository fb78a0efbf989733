"""Resource tags. Stack tags (Project, Environment, Owner, ...) propagate from Sceptre's
stack_tags; resources only add what is their own."""

from troposphere import AWSHelperFn, Tags


def name_tags(name: AWSHelperFn | str, **extra: str) -> Tags:
    """Tags with the resource's Name (what the console shows) and any extras."""
    return Tags(Name=name, **extra)
