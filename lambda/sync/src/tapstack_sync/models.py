"""What a sync is asked to do, and what it reports (stdlib dataclasses: fast to import)."""

import json
from dataclasses import asdict, dataclass, field

from tapstack_sync.dsn import Dsn
from tapstack_sync.errors import BadInputError
from tapstack_sync.guards import DEFAULT_ALLOWLIST

DEFAULT_MAX_CHANGE_RATIO = 0.2
DEFAULT_LOCK_WAIT_SECONDS = 10


@dataclass(frozen=True)
class SyncRequest:
    """One run: make `tables` (empty: the whole allowlist) of `target` identical to `source`'s.

    `target_env`, when given, must match the environment the target database names itself.
    """

    source: Dsn
    target: Dsn
    tables: list[str] = field(default_factory=list)
    allowlist: list[str] = field(default_factory=lambda: list(DEFAULT_ALLOWLIST))
    target_env: str | None = None
    dry_run: bool = False
    force: bool = False
    max_change_ratio: float = DEFAULT_MAX_CHANGE_RATIO
    lock_wait_seconds: int = DEFAULT_LOCK_WAIT_SECONDS

    def __post_init__(self) -> None:
        if not isinstance(self.source, Dsn) or not isinstance(self.target, Dsn):
            raise BadInputError("source and target must be DSNs")
        if not self.max_change_ratio > 0:
            raise BadInputError(f"max_change_ratio must be above 0, not {self.max_change_ratio}")
        if self.lock_wait_seconds < 1:
            raise BadInputError(f"lock_wait_seconds must be 1 or more: {self.lock_wait_seconds}")
        for table in [*self.tables, *self.allowlist]:
            if not isinstance(table, str) or not table or len(table) > 64:
                raise BadInputError(f"not a table name: {table!r}")


@dataclass
class TableReport:
    """What happened to one table (planned only, on a dry run)."""

    name: str
    inserted: int
    updated: int
    deleted: int
    chunks_compared: int
    chunks_differing: int
    rows_read_source: int
    seconds: float
    # A few keys per action, for people reading a dry run (not in the JSON document).
    sample_keys: dict[str, list] = field(default_factory=dict, repr=False)


@dataclass
class SyncReport:
    """The whole run. `target_environment` and `lag_seconds` (how old prod's snapshot was when
    the last table committed) are not part of the console JSON."""

    tables: list[TableReport]
    dry_run: bool
    target_environment: str
    lag_seconds: float = 0.0

    @property
    def rows_changed(self) -> int:
        """Inserted + updated + deleted over all tables."""
        return sum(t.inserted + t.updated + t.deleted for t in self.tables)

    def as_dict(self) -> dict:
        """The console JSON document: {"tables": [...], "dry_run": bool}."""
        tables = [asdict(table) for table in self.tables]
        for table in tables:
            del table["sample_keys"]
        return {"tables": tables, "dry_run": self.dry_run}

    def to_json(self) -> str:
        """`as_dict()` as one line of JSON."""
        return json.dumps(self.as_dict())
