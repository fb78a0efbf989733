"""A conditional output exports only when its condition holds; a false one reads nothing."""

from stack_helpers import unique


def template(export: str) -> dict:
    return {
        "Parameters": {"Create": {"Type": "String", "AllowedValues": ["yes", "no"]}},
        "Conditions": {"IsCreated": {"Fn::Equals": [{"Ref": "Create"}, "yes"]}},
        "Resources": {
            "Always": {"Type": "AWS::SNS::Topic"},
            "Maybe": {"Type": "AWS::SNS::Topic", "Condition": "IsCreated"},
        },
        "Outputs": {
            "MaybeName": {
                "Condition": "IsCreated",
                "Value": {"Fn::GetAtt": ["Maybe", "TopicName"]},
                "Export": {"Name": export},
            },
            "AlwaysArn": {"Value": {"Ref": "Always"}, "Export": {"Name": f"{export}-always"}},
        },
    }


def exported(client, name: str) -> set[str]:
    return {e["Name"] for e in client("cloudformation").list_exports()["Exports"]} & {
        name,
        f"{name}-always",
    }


def test_false_condition_exports_nothing_and_the_stack_completes(stacks, client):
    export = unique("export")
    stack = stacks.create(template(export), {"Create": "no"})
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    assert {o["OutputKey"] for o in stack["Outputs"]} == {"AlwaysArn"}
    assert exported(client, export) == {f"{export}-always"}


def test_true_condition_exports(stacks, client):
    export = unique("export")
    stack = stacks.create(template(export), {"Create": "yes"})
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert exported(client, export) == {export, f"{export}-always"}
