"""Outputs with exports named `tapstack-{env}-{name}`."""

from troposphere import AWSHelperFn, Export, Output, Template

from tapstack_blocks.naming import export_name


def add_exported_output(
    template: Template,
    name: str,
    value: AWSHelperFn | str,
    description: str,
    condition: str | None = None,
) -> Output:
    """Add an output exported as `tapstack-{env}-{name}`."""
    output = Output(name, Value=value, Description=description, Export=Export(export_name(name)))
    if condition:
        output.Condition = condition
    return template.add_output(output)
