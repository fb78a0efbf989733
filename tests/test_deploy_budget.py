"""docs/deploy-budget.md says what the real Sceptre graph and rendered templates imply."""

import itertools
import json

from tapstack_tools.deploy_budget import (
    BUDGET_SECONDS,
    RESOURCE_SECONDS,
    TABLE_BEGIN,
    TABLE_END,
    critical_path,
    embedded_tables,
    markdown,
    path_to,
    template_seconds,
)
from tapstack_tools.rendered_templates import PROJECT_DIR

DOCUMENT = PROJECT_DIR / "docs" / "deploy-budget.md"


def test_the_document_embeds_the_computed_critical_path():
    document = DOCUMENT.read_text(encoding="utf-8")
    assert TABLE_BEGIN in document and TABLE_END in document
    assert embedded_tables(document) == markdown(critical_path()), (
        "docs/deploy-budget.md is out of date with config/ and templates/: run "
        "`uv run --frozen tapstack-deploy-budget --write` and review the change"
    )


def test_every_prod_stack_is_in_the_graph_with_its_dependencies_first():
    timings = {t.name: t for t in critical_path()}
    assert {"prod/us-east-1/database", "prod/eu-west-1/database", "prod/us-east-1/dns"} <= set(
        timings
    )
    assert not any(name.startswith(("dev/", "staging/")) for name in timings)
    # The secondary cluster joins the global database the primary's cluster stack creates.
    secondary = timings["prod/eu-west-1/cluster"]
    assert secondary.start >= timings["prod/us-east-1/cluster"].finish
    # Only the migrations wait for the primary's instances; the secondary, the users, the
    # Route 53 records and the sync do not (docs/deploy-budget.md, "The stack graph").
    instances = timings["prod/us-east-1/database"]
    assert timings["prod/us-east-1/migrations"].start >= instances.finish
    for name in ("prod/eu-west-1/cluster", "prod/us-east-1/users", "prod/us-east-1/dns"):
        assert timings[name].start < instances.finish, name
    assert timings["prod/us-east-1/sync"].finish < instances.finish
    # The first deploy fits the 20:00 on the critical path.
    assert max(t.finish for t in timings.values()) <= BUDGET_SECONDS
    last = max(timings.values(), key=lambda t: t.finish)
    chain = path_to(list(timings.values()), last)
    assert all(a.finish == b.start for a, b in itertools.pairwise(chain))


def test_a_resource_waits_for_what_it_references():
    body = json.dumps(
        {
            "Resources": {
                "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
                "Cluster": {
                    "Type": "AWS::RDS::DBCluster",
                    "Properties": {"KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}},
                },
                "Writer": {
                    "Type": "AWS::RDS::DBInstance",
                    "Properties": {"DBClusterIdentifier": {"Ref": "Cluster"}},
                },
                "Reader": {
                    "Type": "AWS::RDS::DBInstance",
                    "DependsOn": "Writer",
                    "Properties": {"Name": {"Fn::Sub": "${Cluster}-reader"}},
                },
                "Unrelated": {"Type": "AWS::S3::Bucket", "Properties": {}},
            }
        }
    )
    seconds, chain = template_seconds(body, 0)
    expected = (
        RESOURCE_SECONDS["AWS::KMS::Key"]
        + RESOURCE_SECONDS["AWS::RDS::DBCluster"]
        + 2 * RESOURCE_SECONDS["AWS::RDS::DBInstance"]
    )
    assert (seconds, chain) == (expected, ("Key", "Cluster", "Writer", "Reader"))
