"""The packaged RDS CA bundle, and the checks its regeneration (`tapstack-refresh-rds-ca-bundle`)
makes."""

import datetime
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from tapstack_db import RDS_CA_BUNDLE
from tapstack_tools import rds_ca_bundle as script

BUNDLE = Path(RDS_CA_BUNDLE)
# The RSA2048 G1 roots (rds-ca-rsa2048-g1, the default CA of new Aurora clusters) of the two
# regions tapstack runs in, and a newer ECC root.
EXPECTED_ROOTS = (
    "Amazon RDS us-east-1 Root CA RSA2048 G1",
    "Amazon RDS eu-west-1 Root CA RSA2048 G1",
    "Amazon RDS us-east-1 Root CA ECC384 G1",
)


def bundle_certificates() -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(BUNDLE.read_bytes())


def common_name(certificate: x509.Certificate) -> str:
    return certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def test_bundle_holds_amazon_rds_roots_of_our_regions():
    names = {common_name(certificate) for certificate in bundle_certificates()}
    assert set(EXPECTED_ROOTS) <= names


def test_every_certificate_in_the_bundle_is_an_amazon_ca():
    certificates = bundle_certificates()
    assert len(certificates) > 100
    assert script.checked_certificates(
        [c.public_bytes(Encoding.PEM).decode() for c in certificates]
    ) == list(certificates)


def test_the_expected_roots_are_self_signed_and_valid_now():
    now = datetime.datetime.now(datetime.UTC)
    roots = {common_name(c): c for c in bundle_certificates() if common_name(c) in EXPECTED_ROOTS}
    for name, certificate in roots.items():
        assert certificate.issuer == certificate.subject, name
        assert certificate.not_valid_before_utc < now < certificate.not_valid_after_utc, name


def test_openssl_loads_the_bundle_as_trust_anchors():
    context = ssl.create_default_context(cafile=str(BUNDLE))
    loaded = {
        dict(pair[0] for pair in ca["subject"])["commonName"] for ca in context.get_ca_certs()
    }
    assert set(EXPECTED_ROOTS) <= loaded


def test_bundle_states_its_provenance():
    header = BUNDLE.read_text().splitlines()[:2]
    assert f"{script.PACKAGE}@{script.VERSION}" in header[0]
    assert script.INTEGRITY in header[0]
    assert "tapstack-refresh-rds-ca-bundle" in header[1]


def test_a_tarball_with_another_hash_is_refused():
    with pytest.raises(script.BundleError, match=r"integrity is sha512-.*pinned"):
        script.check_integrity(b"not the package", script.INTEGRITY)


def test_pem_strings_reads_concatenated_javascript_literals():
    pem = bundle_certificates()[0].public_bytes(Encoding.PEM).decode()
    lines = pem.splitlines(keepends=True)
    javascript = "exports.defaults = [\n    " + " +\n        ".join(
        "'" + line.replace("\n", "\\n") + "'" for line in lines
    )
    assert script.pem_strings(javascript + ",\n];\n") == [pem]


def _certificate(organisation: str, *, ca: bool) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, "test"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(Encoding.PEM).decode()


@pytest.mark.parametrize(
    ("pem", "message"),
    [
        pytest.param(_certificate(script.AMAZON, ca=False), "is not a CA", id="leaf"),
        pytest.param(
            _certificate("Example Corp", ca=True), "not issued to Amazon", id="not-amazon"
        ),
    ],
)
def test_certificates_that_are_not_amazon_cas_are_refused(pem, message):
    with pytest.raises(script.BundleError, match=message):
        script.checked_certificates([pem])


def test_the_refresh_writes_the_one_bundle_the_lambdas_verify_with():
    assert script.BUNDLE.resolve() == BUNDLE.resolve()
    copies = [
        path
        for path in (script.PROJECT_DIR / "lambda").rglob("*.pem")
        if path.resolve() != BUNDLE.resolve() and "tests" not in path.parts
    ]
    assert not copies, f"CA bundles besides the packaged one: {copies}"
