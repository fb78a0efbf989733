"""The policy evaluator behind the replication role checks, tested directly (no server)."""

import pytest
from tapstack_iam_policy import ALLOW, DENY, Request, decide

ROLE = "arn:aws:iam::123456789012:role/replication"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/k"
VIA_S3 = {"kms:ViaService": "s3.eu-west-1.amazonaws.com", "kms:CallerAccount": "123456789012"}


def allow(**statement):
    return {"Statement": [{"Effect": "Allow", **statement}]}


@pytest.mark.parametrize(
    ("policy", "request_", "expected"),
    [
        pytest.param(
            allow(Action="s3:Replicate*", Resource="arn:aws:s3:::b/*"),
            Request("s3:ReplicateObject", "arn:aws:s3:::b/k"),
            ALLOW,
            id="action-and-resource-wildcards",
        ),
        pytest.param(
            allow(Action="s3:ReplicateObject", Resource="arn:aws:s3:::b/*"),
            Request("s3:ReplicateObject", "arn:aws:s3:::other/k"),
            None,
            id="other-resource",
        ),
        pytest.param(
            allow(NotAction="s3:Delete*", Resource="*"),
            Request("s3:DeleteObject", "arn:aws:s3:::b/k"),
            None,
            id="not-action",
        ),
        pytest.param(
            allow(
                Action="kms:Encrypt",
                Resource=KEY,
                Condition={"StringLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b/*"}},
            ),
            Request("kms:Encrypt", KEY, {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b"}),
            None,
            id="bucket-key-context-is-not-an-object-arn",
        ),
        pytest.param(
            allow(
                Action="kms:*",
                Resource="*",
                Principal={"AWS": "arn:aws:iam::123456789012:root"},
                Condition={"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
            ),
            Request("kms:Decrypt", KEY, VIA_S3, {"AWS": {"arn:aws:iam::123456789012:root"}}),
            ALLOW,
            id="key-policy-for-the-account",
        ),
        pytest.param(
            allow(Action="kms:*", Resource="*", Principal={"AWS": "arn:aws:iam::1:root"}),
            Request("kms:Decrypt", KEY, VIA_S3, {"AWS": {ROLE}}),
            None,
            id="key-policy-for-another-principal",
        ),
        pytest.param(
            allow(Action="kms:*", Resource="*", Condition={"DateGreaterThan": {"aws:x": "1"}}),
            Request("kms:Decrypt", KEY, VIA_S3),
            None,
            id="unknown-operator-never-allows",
        ),
        pytest.param(
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "*", "Resource": "*"},
                    {
                        "Effect": "Deny",
                        "Action": "*",
                        "Resource": "*",
                        "Condition": {"DateGreaterThan": {"aws:x": "1"}},
                    },
                ]
            },
            Request("kms:Decrypt", KEY),
            DENY,
            id="unknown-operator-always-denies",
        ),
        pytest.param(
            allow(
                Action="*",
                Resource="*",
                Condition={"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}},
            ),
            Request("kms:Decrypt", KEY),
            ALLOW,
            id="if-exists-without-the-key",
        ),
        pytest.param(
            allow(
                Action="sts:AssumeRole",
                Principal={"Service": "s3.amazonaws.com"},
                Condition={"StringEquals": {"aws:SourceAccount": "123456789012"}},
            ),
            Request(
                "sts:AssumeRole",
                ROLE,
                {"aws:SourceAccount": "999999999999"},
                {"Service": {"s3.amazonaws.com"}},
            ),
            None,
            id="trust-for-another-source-account",
        ),
    ],
)
def test_decide(policy, request_, expected):
    assert decide([policy], request_) == expected
