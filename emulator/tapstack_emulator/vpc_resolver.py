"""The Route 53 Resolver of a VPC (AmazonProvidedDNS) for the private hosted zones associated
with it, since the local AWS runs no DNS server.

`GET /tapstack-emulator/vpc-resolver?vpc=<vpc id>&region=<its region>&name=<name>&type=<type>`
answers JSON `{"Zone": <zone id>, "RecordName", "RecordType", "RecordData": [values],
"ResponseCode": "NOERROR" | "NXDOMAIN", "AnsweredBy": [{"SetIdentifier", "Failover"}]}` as a
query from inside that VPC would be answered (AnsweredBy, which DNS does not tell, names the
record sets the answer came from, so a test can tell two records with equal values apart): the
most specific private zone (of any account) associated with the VPC that contains the name,
resolved by `route53_answers.answer` (failover follows health checks). A name in no associated
private zone answers NXDOMAIN with Zone null (AWS would go on to public DNS, which the local AWS
has not).
"""

from typing import Any

from moto.route53.models import route53_backends

from tapstack_emulator import route53_answers

PATH = "/tapstack-emulator/vpc-resolver"
PARAMETERS = ("vpc", "region", "name", "type")


def _associated_zones(vpc_id: str, region: str, name: str) -> list[tuple[Any, Any]]:
    zones = []
    for account_id in list(route53_backends.keys()):
        for backend in route53_backends[account_id].values():
            for zone in backend.zones.values():
                vpcs = {(v.get("vpc_id"), v.get("vpc_region")) for v in zone.vpcs}
                associated = zone.private_zone and (vpc_id, region) in vpcs
                if associated and route53_answers.in_zone(zone, name):
                    zones.append((zone, backend))
    return zones


def resolve(query: dict[str, str]) -> dict[str, Any]:
    """The answer to one query (`PARAMETERS`, all required; a missing one is a ValueError)."""
    missing = [p for p in PARAMETERS if not query.get(p)]
    if missing:
        raise ValueError(f"vpc-resolver needs the query parameters {missing}")
    name, record_type = query["name"], query["type"]
    answer = {
        "Zone": None,
        "RecordName": name,
        "RecordType": record_type,
        "RecordData": [],
        "AnsweredBy": [],
    }
    zones = _associated_zones(query["vpc"], query["region"], name)
    if not zones:
        return {**answer, "ResponseCode": "NXDOMAIN"}
    zone, backend = max(zones, key=lambda found: len(found[0].name))
    records = route53_answers.answering_records(zone, name, record_type, backend)
    values = [value for record in records for value in record.records]
    return {
        **answer,
        "Zone": zone.resource_id,
        "RecordData": values,
        "ResponseCode": route53_answers.response_code(zone, name, values),
        "AnsweredBy": [
            {"SetIdentifier": r.set_identifier, "Failover": r.failover} for r in records
        ],
    }
