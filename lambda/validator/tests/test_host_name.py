"""The canonical name of the stable database name, with a stubbed resolver at the
`socket.getaddrinfo` boundary."""

import socket

import pytest
from tapstack_validator.host_name import UnresolvableHostError, canonical_host

SOURCE = "SSM parameter /tapstack/prod/db/writer-dns"
WRITER = "writer.db.prod.tapstack.internal"
CLUSTER = "tapstack-aurora-prod-main.cluster-c1x2y3.us-east-1.rds.amazonaws.com"


class StubResolver:
    """Answers like getaddrinfo with AI_CANONNAME: the canonical name in the first entry only.
    Records the calls it gets."""

    def __init__(self, answers: dict[str, tuple[str, list[str]]]) -> None:
        self.answers = answers
        self.calls: list[tuple[tuple, dict]] = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        name, port = args
        if name not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        canonical, addresses = self.answers[name]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, canonical if i == 0 else "", (address, port))
            for i, address in enumerate(addresses)
        ]


def test_follows_the_failover_cname_to_the_rds_endpoint():
    # GIVEN the failover name is a CNAME of the primary cluster's endpoint
    resolve = StubResolver({WRITER: (CLUSTER, ["10.3.1.17", "10.3.2.9"])})
    # WHEN it is resolved THEN the cluster endpoint is the host to connect to and verify
    assert canonical_host(WRITER, 3306, source=SOURCE, resolve=resolve) == CLUSTER
    # AND the resolver was asked for the canonical name of a TCP endpoint
    assert resolve.calls == [
        ((WRITER, 3306), {"type": socket.SOCK_STREAM, "flags": socket.AI_CANONNAME})
    ]


def test_after_failover_the_same_name_leads_to_the_secondary_region():
    secondary = "tapstack-aurora-prod-main.cluster-c9z8y7.eu-west-1.rds.amazonaws.com"
    resolve = StubResolver({WRITER: (secondary, ["10.4.1.5"])})
    assert canonical_host(WRITER, 3306, source=SOURCE, resolve=resolve) == secondary


@pytest.mark.parametrize(
    ("name", "canonical", "expected"),
    [
        pytest.param(CLUSTER, CLUSTER, CLUSTER, id="already-canonical"),
        pytest.param(WRITER, CLUSTER + ".", CLUSTER, id="trailing-dot"),
        pytest.param("127.0.0.1", "", "127.0.0.1", id="no-canonical-name-reported"),
        pytest.param("localhost", "localhost", "localhost", id="hosts-file-name"),
    ],
)
def test_canonical_name_forms(name, canonical, expected):
    resolve = StubResolver({name: (canonical, ["127.0.0.1"])})
    assert canonical_host(name, 3306, source=SOURCE, resolve=resolve) == expected


def test_name_that_does_not_resolve_names_its_source():
    with pytest.raises(UnresolvableHostError) as raised:
        canonical_host(WRITER, 3306, source=SOURCE, resolve=StubResolver({}))
    assert str(raised.value) == (
        f"database host '{WRITER}' (from {SOURCE}) does not resolve: "
        "[Errno -2] Name or service not known"
    )


def test_name_without_addresses_names_its_source():
    with pytest.raises(
        UnresolvableHostError,
        match=r"'writer\.db\.prod\.tapstack\.internal' "
        r"\(from SSM parameter /tapstack/prod/db/writer-dns\) resolves to no",
    ):
        canonical_host(WRITER, 3306, source=SOURCE, resolve=lambda *_a, **_k: [])


def test_real_resolver_knows_localhost():
    # the default resolver is the system's: `localhost` is its own canonical name
    assert canonical_host("localhost", 3306, source=SOURCE) == "localhost"
