"""An RDS-managed master secret holds the cluster's real master credentials.

moto writes `{"username": "admin", "password": "P@55w0rd!"}` into every managed secret,
whatever MasterUsername says. AWS stores the master username and a generated password; the
local Aurora (databases.py) provisions exactly these, so the secret works against it.
"""

import json
import secrets
import string
from typing import Any

from moto.rds.models import MasterUserSecret

PASSWORD_LENGTH = 28
# RDS refuses / " @ and spaces in master passwords.
PASSWORD_ALPHABET = string.ascii_letters + string.digits + "!#$%^&*()-_=+[]{}<>?.,:;~"


def generate_password() -> str:
    """A password as RDS generates them (printable, none of / \" @ or space)."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _secret_string(self: Any) -> str:
    return json.dumps({"username": self.resource.master_username, "password": generate_password()})


def apply() -> None:
    """Install the generator."""
    MasterUserSecret._generate_secret_string = _secret_string
