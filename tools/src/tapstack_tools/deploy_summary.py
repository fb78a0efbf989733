"""The summary table of a launch: each stack's status, key outputs and launch seconds."""

from tapstack_tools.stack_reads import StackState

# Outputs the summary shows: (output, label, how to show it).
KEY_OUTPUTS = (
    ("KeyAlias", "key", str),
    ("VpcCidr", "vpc", str),
    ("PrivateSubnetIds", "subnets", lambda ids: str(len(ids.split(",")))),
    ("MigrationBucketName", "migration-bucket", str),
    ("ClusterEndpoint", "writer", str),
    ("ClusterPort", "port", str),
    ("SchemaVersion", "schema-version", str),
    ("GlobalClusterIdentifier", "global-db", str),
    ("BaselineStackSetId", "stackset", lambda value: value.split(":", 1)[0]),
    ("WriterDnsName", "writer-dns", str),
    ("ValidatorImageUri", "validator-image", lambda uri: uri.rsplit("@", 1)[1]),
    ("AcceptedPeeringConnectionId", "accepts", str),
)


def format_summary(timings: dict[str, float], states: dict[str, list[StackState]]) -> str:
    """A readable table: per group, each stack's status, key outputs and the seconds its launch
    took (`timings`, by stack name)."""
    rows = [("group", "stack", "status", "key outputs", "seconds")]
    for group, stack_states in states.items():
        for index, state in enumerate(stack_states):
            shown = "  ".join(
                f"{label}={show(state.outputs[key])}"
                for key, label, show in KEY_OUTPUTS
                if key in state.outputs
            )
            seconds = f"{timings[state.name]:.1f}" if state.name in timings else ""
            rows.append(
                (
                    group if index == 0 else "",
                    state.name.rsplit("/", 1)[1],
                    state.status,
                    shown,
                    seconds,
                )
            )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
