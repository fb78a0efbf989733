"""Pure helpers of the emulator, tested directly (no server)."""

import pytest
from tapstack_emulator.behaviours.bucket_policy_conditions import condition_holds
from tapstack_emulator.behaviours.dependency_order import dependency_order, references
from tapstack_emulator.behaviours.intrinsics import fn_cidr
from tapstack_emulator.behaviours.no_op_update import parameter_values


def test_fn_cidr_slices_consecutive_subnets():
    assert fn_cidr("10.1.0.0/16", 3, 12) == ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/20"]


def test_fn_cidr_refuses_what_does_not_fit():
    with pytest.raises(Exception, match="cannot fit"):
        fn_cidr("10.1.0.0/24", 2, 8)


def test_references_cover_ref_getatt_sub_and_sub_variables():
    node = {
        "A": {"Ref": "Vpc"},
        "B": {"Fn::GetAtt": ["Bucket", "Arn"]},
        "C": {"Fn::Sub": "${Env}-${Role.Arn}-${!Literal}"},
        "D": {"Fn::Sub": ["${X}/*", {"X": {"Ref": "Key"}}]},
    }
    assert references(node) == {"Vpc", "Bucket", "Env", "Role", "Key"}


def test_dependency_order_puts_dependencies_first():
    resources = {
        "Association": {"Properties": {"SubnetId": {"Ref": "Subnet"}}},
        "Subnet": {"Properties": {"VpcId": {"Ref": "Vpc"}}},
        "Vpc": {"Properties": {}},
        "Late": {"DependsOn": "Association"},
    }
    order = dependency_order(resources)
    assert (
        order.index("Vpc")
        < order.index("Subnet")
        < order.index("Association")
        < order.index("Late")
    )


def test_parameter_values_fill_defaults_as_text():
    template = {"Parameters": {"A": {"Type": "String"}, "N": {"Type": "Number", "Default": 30}}}
    assert parameter_values(template, {"A": "x"}) == {"A": "x", "N": "30"}


@pytest.mark.parametrize(
    ("operator", "expected", "holds"),
    [
        pytest.param("Bool", "false", False, id="Bool false vs TLS"),
        pytest.param("Bool", "true", True, id="Bool true vs TLS"),
        pytest.param("StringEquals", ["true"], True, id="StringEquals"),
        pytest.param("NumericLessThan", "1", False, id="unknown operator"),
    ],
)
def test_bucket_policy_conditions_use_the_tls_request_context(operator, expected, holds):
    context = {"aws:securetransport": "true"}
    assert condition_holds(operator, "aws:SecureTransport", expected, context) is holds
