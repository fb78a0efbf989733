"""The private network's traffic rules as data: its NACL entries and its tiers' security-group
rules (network stack). Each row is one rule; the network template only turns rows into
resources, so a change of policy is a change of one row here."""

from troposphere import AWSHelperFn
from troposphere.ec2 import PortRange

from tapstack_blocks.peering_path import EPHEMERAL_PORTS_BUT_MYSQL
from tapstack_blocks.security_groups import TcpRule

ANYWHERE = "0.0.0.0/0"
HTTPS = 443
MYSQL = 3306
TCP = "6"
ALL_PROTOCOLS = "-1"

NaclEntry = tuple[str, int, bool, str, AWSHelperFn | str, PortRange | None]


def nacl_entries(vpc_cidr: AWSHelperFn) -> list[NaclEntry]:
    """(name, rule number, egress, protocol, cidr, ports) of every entry of the private NACL."""
    below_mysql, above_mysql = EPHEMERAL_PORTS_BUT_MYSQL
    return [
        ("InboundFromVpc", 100, False, ALL_PROTOCOLS, vpc_cidr, None),
        # Stateless NACL: replies from S3 (gateway endpoint) arrive on ephemeral ports; 3306 is
        # left out so that no address outside the VPC is ever admitted to the MySQL port.
        ("InboundEphemeralReplies", 110, False, TCP, ANYWHERE, below_mysql),
        (
            "InboundEphemeralRepliesAbove3306",
            111,
            False,
            TCP,
            ANYWHERE,
            above_mysql,
        ),
        ("OutboundToVpc", 100, True, ALL_PROTOCOLS, vpc_cidr, None),
        # HTTPS to S3 through the gateway endpoint; no route leads anywhere else.
        ("OutboundHttpsToS3", 110, True, TCP, ANYWHERE, PortRange(From=HTTPS, To=HTTPS)),
    ]


# Every path between the tiers (Endpoint, Lambda, Database), and the one way out: S3 through
# its gateway endpoint (the "S3" managed prefix list).
# fmt: off
TIER_RULES = [
    TcpRule("LambdaEgressHttpsToEndpoints", "Lambda", "egress", HTTPS, "Endpoint",
            "HTTPS to interface endpoints"),
    TcpRule("EndpointIngressHttpsFromLambda", "Endpoint", "ingress", HTTPS, "Lambda",
            "HTTPS from the Lambda tier"),
    TcpRule("LambdaEgressHttpsToS3", "Lambda", "egress", HTTPS, "S3",
            "HTTPS to S3 via the gateway endpoint (S3's managed prefix list)"),
    TcpRule("LambdaEgressMysqlToDatabase", "Lambda", "egress", MYSQL, "Database",
            "MySQL to the database tier"),
    TcpRule("DatabaseIngressMysqlFromLambda", "Database", "ingress", MYSQL, "Lambda",
            "MySQL from the Lambda tier"),
]
# fmt: on
