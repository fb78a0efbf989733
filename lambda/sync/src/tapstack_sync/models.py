"""What a sync is asked to do, and what it reports."""

from pydantic import BaseModel, ConfigDict, Field

from tapstack_sync.dsn import Dsn
from tapstack_sync.guards import DEFAULT_ALLOWLIST

DEFAULT_MAX_CHANGE_RATIO = 0.2
DEFAULT_LOCK_WAIT_SECONDS = 10


class SyncRequest(BaseModel):
    """One run: make `tables` of `target` identical to `source`'s."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: Dsn
    target: Dsn
    tables: list[str] = Field(default_factory=list, description="empty: the whole allowlist")
    allowlist: list[str] = Field(default_factory=lambda: list(DEFAULT_ALLOWLIST))
    target_env: str | None = Field(default=None, description="must match the target's marker")
    dry_run: bool = False
    force: bool = False
    max_change_ratio: float = Field(default=DEFAULT_MAX_CHANGE_RATIO, gt=0)
    lock_wait_seconds: int = Field(default=DEFAULT_LOCK_WAIT_SECONDS, ge=1)


class TableReport(BaseModel):
    """What happened to one table (planned only, on a dry run)."""

    name: str
    inserted: int
    updated: int
    deleted: int
    chunks_compared: int
    chunks_differing: int
    rows_read_source: int
    seconds: float


class SyncReport(BaseModel):
    """The whole run; `lag_seconds` is how old prod's snapshot was when the last table
    committed (not part of the console JSON)."""

    tables: list[TableReport]
    dry_run: bool
    target_environment: str = Field(exclude=True)
    lag_seconds: float = Field(default=0.0, exclude=True)

    @property
    def rows_changed(self) -> int:
        """Inserted + updated + deleted over all tables."""
        return sum(t.inserted + t.updated + t.deleted for t in self.tables)
