"""Where a database is: `mysql://USER:PASS@HOST:PORT/DB?ssl_ca=/path` parsed into a model."""

from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from tapstack_sync.errors import BadInputError


class Dsn(BaseModel):
    """Connection facts for one database; the password never appears in repr or logs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field(min_length=1)
    port: int = Field(default=3306, ge=1, le=65535)
    user: str = Field(min_length=1)
    password: SecretStr = SecretStr("")
    database: str = Field(min_length=1, max_length=64)
    ssl_ca: str | None = None

    def describe(self) -> str:
        """`user@host:port/db`, safe to print."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"


def parse_dsn(text: str, *, name: str = "DSN") -> Dsn:
    """Parse a `mysql://` URL; errors name which DSN is wrong without echoing a password."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port or 3306
    except ValueError as err:
        raise BadInputError(f"{name}: not a valid mysql:// URL ({err})") from err
    if parts.scheme not in ("mysql", "mariadb"):
        raise BadInputError(
            f"{name}: expected mysql://USER:PASS@HOST:PORT/DB, the scheme was {parts.scheme!r}"
        )
    database = unquote(parts.path.lstrip("/"))
    if not (parts.hostname and parts.username and database) or "/" in database:
        raise BadInputError(
            f"{name}: expected mysql://USER:PASS@HOST:PORT/DB with a user, host and database"
        )
    query = parse_qs(parts.query)
    unknown = set(query) - {"ssl_ca"}
    if unknown:
        raise BadInputError(f"{name}: unknown option(s) {sorted(unknown)}; only ssl_ca is known")
    return Dsn(
        host=parts.hostname,
        port=port,
        user=unquote(parts.username),
        password=SecretStr(unquote(parts.password or "")),
        database=database,
        ssl_ca=query["ssl_ca"][0] if "ssl_ca" in query else None,
    )
