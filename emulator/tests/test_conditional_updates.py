"""Updates honour Conditions: a resource appears when its condition turns true, goes when it
turns false, and a resource whose condition stays false is left alone when its inputs change."""

from stack_helpers import unique

TEMPLATE = {
    "Parameters": {
        "Create": {"Type": "String", "AllowedValues": ["yes", "no"]},
        "Label": {"Type": "String"},
    },
    "Conditions": {"IsCreated": {"Fn::Equals": [{"Ref": "Create"}, "yes"]}},
    "Resources": {
        "Always": {"Type": "AWS::SNS::Topic"},
        "Maybe": {
            "Type": "AWS::SNS::Topic",
            "Condition": "IsCreated",
            "Properties": {"DisplayName": {"Ref": "Label"}},
        },
    },
}


def logical_ids(stacks, name: str) -> set[str]:
    return set(stacks.physical_ids(name))


def test_condition_changes_create_and_delete(stacks):
    name = unique("cond")
    stacks.create(TEMPLATE, {"Create": "no", "Label": "one"}, name=name)
    assert logical_ids(stacks, name) == {"Always"}
    changed = stacks.update(name, TEMPLATE, {"Create": "no", "Label": "two"})
    assert changed["StackStatus"] == "UPDATE_COMPLETE", changed.get("StackStatusReason")
    assert logical_ids(stacks, name) == {"Always"}
    created = stacks.update(name, TEMPLATE, {"Create": "yes", "Label": "two"})
    assert created["StackStatus"] == "UPDATE_COMPLETE", created.get("StackStatusReason")
    assert logical_ids(stacks, name) == {"Always", "Maybe"}
    removed = stacks.update(name, TEMPLATE, {"Create": "no", "Label": "three"})
    assert removed["StackStatus"] == "UPDATE_COMPLETE", removed.get("StackStatusReason")
    assert logical_ids(stacks, name) == {"Always"}
