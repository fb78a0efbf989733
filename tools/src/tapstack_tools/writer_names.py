"""Which database writer name each group's Lambdas connect through, read back from the local AWS.

The validator reads `/tapstack/{env}/db/writer-dns` in its own region (docs/architecture.md):
a standalone cluster's database stack publishes its endpoint there; prod's baseline StackSet
publishes the Route 53 failover name, whose records prod's dns stack (prod/us-east-1/dns) holds.
Used by the demo summary (`make demo`).
"""

from dataclasses import dataclass

from botocore.exceptions import ClientError

from tapstack_tools.deployment import StackState, stacks_of

DNS_GROUP = "prod/us-east-1"
DNS_STACK = f"{DNS_GROUP}/dns"


@dataclass(frozen=True)
class WriterName:
    """The writer name one group's Lambdas read, and where it leads."""

    group: str
    name: str | None  # None: the parameter could not be read (leads_to says why)
    leads_to: str


def _call(stack, service: str, command: str, kwargs: dict) -> dict:
    return stack.connection_manager.call(service, command, kwargs)


def _failover_targets(states: dict[str, list[StackState]], name: str) -> str | None:
    """`PRIMARY region -> value, …` when `name` is the dns stack's failover name, else None."""
    dns = [s for s in states.get(DNS_GROUP, []) if s.name == DNS_STACK]
    if not dns or dns[0].outputs.get("WriterDnsName") != name:
        return None
    (stack,) = [s for s in stacks_of(DNS_GROUP) if s.name == DNS_STACK]
    records = _call(
        stack,
        "route53",
        "list_resource_record_sets",
        {"HostedZoneId": dns[0].outputs["PrivateZoneId"]},
    )["ResourceRecordSets"]
    failover = sorted(
        (r["Failover"], r["SetIdentifier"], r["ResourceRecords"][0]["Value"])
        for r in records
        if r["Type"] == "CNAME" and r["Name"].rstrip(".") == name
    )
    return "failover CNAME: " + ", ".join(
        f"{role} {region} -> {value}" for role, region, value in failover
    )


def writer_names(states: dict[str, list[StackState]]) -> list[WriterName]:
    """For each group with a database stack: the SSM writer name in its region and its target."""
    found = []
    for group in states:
        databases = [s for s in stacks_of(group) if s.name == f"{group}/database"]
        if not databases:
            continue
        parameter = f"/tapstack/{group.split('/')[0]}/db/writer-dns"
        try:
            name = _call(databases[0], "ssm", "get_parameter", {"Name": parameter})["Parameter"][
                "Value"
            ]
        except ClientError as err:
            found.append(WriterName(group, None, f"{parameter}: {err}"))
            continue
        failover = _failover_targets(states, name)
        found.append(WriterName(group, name, failover or "the cluster endpoint (no failover)"))
    return found


def format_writer_names(names: list[WriterName]) -> str:
    """A table: group, the writer name its Lambdas read from SSM, where that name leads."""
    rows = [("group", "lambdas' writer name (SSM .../db/writer-dns)", "leads to")]
    rows += [(n.group, n.name or "(missing)", n.leads_to) for n in names]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
