"""The sync run: guards, schema, one consistent read of prod, the brake, then the writes.

Used by the console script, the Lambda handler and as a library:

    from tapstack_sync import SyncRequest, parse_dsn, sync
    report = sync(SyncRequest(source=parse_dsn(...), target=parse_dsn(...), tables=["currencies"]))
"""

import logging
import time
from contextlib import ExitStack

from MySQLdb import MySQLError
from MySQLdb.connections import Connection

from tapstack_sync import guards
from tapstack_sync.apply import BatchObserver, apply_plan
from tapstack_sync.connection import connect
from tapstack_sync.digest import DigestKind, choose_digest, prepare_session
from tapstack_sync.dsn import Dsn
from tapstack_sync.errors import BadInputError, RefusedError, SafetyBrakeError, SyncError
from tapstack_sync.foreign_keys import ForeignKey, parents_first, read_foreign_keys
from tapstack_sync.migrations import MigrationApplier
from tapstack_sync.models import SyncReport, SyncRequest, TableReport
from tapstack_sync.pair import ConnectionPair
from tapstack_sync.plan import TablePlan, plan_table
from tapstack_sync.schema import TableSchema, read_schema
from tapstack_sync.schema_check import check_schemas

logger = logging.getLogger(__name__)
SAMPLE_KEYS = 5  # keys per action shown in a dry run's plan


def sync(
    request: SyncRequest,
    *,
    migrations: MigrationApplier | None = None,
    observer: BatchObserver | None = None,
    digest: DigestKind | None = None,
) -> SyncReport:
    """Run `request`; raise a SyncError subclass (with its exit code) when it cannot.

    `digest` forces a row digest (tests run the MD5 path on MariaDB); None: the fastest that
    both servers support.
    """
    tables = guards.check_tables(request.tables, request.allowlist)
    guards.check_distinct_dsns(request.source, request.target)
    with ExitStack() as stack:
        source = _open(request.source, "source", None)
        stack.callback(source.close)
        target = _open(request.target, "target", request.lock_wait_seconds)
        stack.callback(target.close)
        guards.check_not_same_server_database(source, target)
        environment = guards.check_target_environment(target, request.target_env)
        guards.check_reference_tables(source, tables)
        schemas = _source_schemas(source, request.source.database, tables)
        check_schemas(source, target, request, schemas, migrations)
        order = parents_first(tables, read_foreign_keys(source, tables))
        names = (f"source {request.source.describe()}", f"target {request.target.describe()}")
        pair = ConnectionPair(source, target, names)
        stack.callback(pair.close)
        snapshot_at, plans = _plan_all(pair, [schemas[name] for name in order], digest)
        _brake(plans, request)
        reports = {plan.schema.name: _report(plan) for plan in plans}
        if not request.dry_run:
            boundary = _boundary_keys(target, tables)
            for plan in plans:
                started = time.perf_counter()
                apply_plan(target, plan, boundary.get(plan.schema.name, []), observer)
                reports[plan.schema.name].seconds += time.perf_counter() - started
                logger.info("synced %s: %d changes", plan.schema.name, plan.changes)
        return SyncReport(
            tables=[reports[name] for name in order],
            dry_run=request.dry_run,
            target_environment=environment,
            lag_seconds=time.time() - snapshot_at,
        )


def _open(dsn: Dsn, role: str, lock_wait: int | None) -> Connection:
    try:
        return connect(dsn, lock_wait_timeout=lock_wait)
    except MySQLError as err:
        raise SyncError(f"cannot connect to the {role} {dsn.describe()}: {err.args[-1]}") from err


def _source_schemas(source: Connection, database: str, tables: list[str]) -> dict:
    """Source definitions; refuse unknown tables and tables without a primary key."""
    schemas: dict[str, TableSchema] = {}
    for table in tables:
        schema = read_schema(source, database, table)
        if schema is None:
            raise BadInputError(f"{table}: no such table in the source database {database}")
        if not schema.primary_key:
            raise RefusedError(f"{table}: has no primary key; the sync refuses such tables")
        schemas[table] = schema
    return schemas


def _plan_all(
    pair: ConnectionPair, schemas: list[TableSchema], digest: DigestKind | None
) -> tuple[float, list[TablePlan]]:
    """Plans for every table, reading prod inside one consistent snapshot."""
    digest = digest or choose_digest(pair.source, pair.target)
    for connection in (pair.source, pair.target):
        prepare_session(connection)
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
    snapshot_at = time.time()
    try:
        plans = [plan_table(pair, schema, digest) for schema in schemas]
    finally:
        pair.source.rollback()
        pair.target.rollback()
    return snapshot_at, plans


def _brake(plans: list[TablePlan], request: SyncRequest) -> None:
    """Refuse (exit 4) when a table would change more than the allowed share of its rows."""
    if request.force:
        return
    over = [plan for plan in plans if plan.change_ratio > request.max_change_ratio]
    if over:
        details = "; ".join(
            f"{plan.schema.name}: {plan.changes} of {plan.target_rows} rows "
            f"({plan.change_ratio:.0%})"
            for plan in over
        )
        raise SafetyBrakeError(
            f"safety brake: more than {request.max_change_ratio:.0%} of a table's rows would "
            f"change ({details}); nothing was written. Rerun with --force if this is intended."
        )


def _boundary_keys(target: Connection, tables: list[str]) -> dict[str, list[ForeignKey]]:
    """For each synced table, its target foreign keys whose other table is not synced."""
    synced = set(tables)
    boundary: dict[str, list[ForeignKey]] = {}
    for key in read_foreign_keys(target, tables):
        if key.child in synced and key.parent in synced:
            continue
        for table in {key.child, key.parent} & synced:
            boundary.setdefault(table, []).append(key)
    return boundary


def _report(plan: TablePlan) -> TableReport:
    return TableReport(
        name=plan.schema.name,
        inserted=len(plan.inserts),
        updated=len(plan.updates),
        deleted=len(plan.deletes),
        chunks_compared=plan.chunks_compared,
        chunks_differing=plan.chunks_differing,
        rows_read_source=plan.rows_read_source,
        seconds=plan.seconds,
        sample_keys={
            "insert": [plan.key_of(row) for row in plan.inserts[:SAMPLE_KEYS]],
            "update": [plan.key_of(row) for row in plan.updates[:SAMPLE_KEYS]],
            "delete": plan.deletes[:SAMPLE_KEYS],
        },
    )
