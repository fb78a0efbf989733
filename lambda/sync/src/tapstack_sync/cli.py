"""`tapstack-sync`: the operator's console script around the engine.

Exit codes: 0 done (or nothing to do), 2 bad input or a guard refused, 3 schema mismatch,
4 safety brake, 1 any other failure.
"""

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from tapstack_sync.dsn import parse_dsn
from tapstack_sync.engine import sync
from tapstack_sync.errors import BadInputError, SyncError
from tapstack_sync.guards import DEFAULT_ALLOWLIST
from tapstack_sync.migrations import MigratorApplier
from tapstack_sync.models import DEFAULT_MAX_CHANGE_RATIO, SyncReport, SyncRequest

SOURCE_ENV = "TAPSTACK_SYNC_SOURCE_DSN"
TARGET_ENV = "TAPSTACK_SYNC_TARGET_DSN"
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 as well; keep one message style
        self.print_usage(sys.stderr)
        print(f"tapstack-sync: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = _Parser(
        prog="tapstack-sync",
        description="Make allow-listed reference tables of a target identical to the source's "
        "(prod), reading from the source only what differs.",
    )
    parser.add_argument("--source-dsn", help=f"mysql://USER:PASS@HOST:PORT/DB (or ${SOURCE_ENV})")
    parser.add_argument("--target-dsn", help=f"mysql://USER:PASS@HOST:PORT/DB (or ${TARGET_ENV})")
    parser.add_argument(
        "--table", action="append", default=[], help="a table to sync (repeat; default: all)"
    )
    parser.add_argument(
        "--allow-table",
        action="append",
        default=[],
        help=f"the allowlist (repeat; default: {', '.join(DEFAULT_ALLOWLIST)})",
    )
    parser.add_argument("--target-env", help="the target's environment; must match its marker")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--max-change-ratio",
        type=float,
        default=DEFAULT_MAX_CHANGE_RATIO,
        help="refuse (exit 4) when more than this share of a table's rows would change",
    )
    parser.add_argument("--force", action="store_true", help="override the change-ratio brake")
    parser.add_argument(
        "--migrations-dir",
        type=Path,
        help="apply prod's missing migrations from here when the target is behind",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="log progress to stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        request = _request(args)
        migrations = MigratorApplier(args.migrations_dir) if args.migrations_dir else None
        report = sync(request, migrations=migrations)
    except SyncError as err:
        print(f"tapstack-sync: {err}", file=sys.stderr)
        return err.exit_code
    except Exception as err:  # the contract: any other failure exits 1, with its reason
        print(f"tapstack-sync: unexpected failure: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    print(report.to_json() if args.json else render(report))
    return 0


def _request(args: argparse.Namespace) -> SyncRequest:
    source = args.source_dsn or os.environ.get(SOURCE_ENV)
    target = args.target_dsn or os.environ.get(TARGET_ENV)
    if not source or not target:
        raise BadInputError(f"give --source-dsn/--target-dsn or ${SOURCE_ENV}/${TARGET_ENV}")
    return SyncRequest(
        source=parse_dsn(source, name="source DSN"),
        target=parse_dsn(target, name="target DSN"),
        tables=args.table,
        allowlist=args.allow_table or list(DEFAULT_ALLOWLIST),
        target_env=args.target_env,
        dry_run=args.dry_run,
        force=args.force,
        max_change_ratio=args.max_change_ratio,
    )


def render(report: SyncReport) -> str:
    """A small table for people."""
    verb = "would change" if report.dry_run else "changed"
    header = f"{'table':<24} {'insert':>8} {'update':>8} {'delete':>8} {'chunks':>9} "
    header += f"{'differ':>7} {'src rows':>9} {'seconds':>8}"
    lines = [f"target {report.target_environment} ({verb}{', dry run' if report.dry_run else ''})"]
    lines.append(header)
    for t in report.tables:
        lines.append(
            f"{t.name:<24} {t.inserted:>8} {t.updated:>8} {t.deleted:>8} {t.chunks_compared:>9} "
            f"{t.chunks_differing:>7} {t.rows_read_source:>9} {t.seconds:>8.2f}"
        )
        if report.dry_run:
            counts = {"insert": t.inserted, "update": t.updated, "delete": t.deleted}
            for action, keys in t.sample_keys.items():
                if keys:
                    shown = ", ".join(_key_text(key) for key in keys)
                    more = counts[action] - len(keys)
                    lines.append(f"  {action}: {shown}" + (f" and {more} more" if more else ""))
    return "\n".join(lines)


def _key_text(key: tuple) -> str:
    parts = [value.decode(errors="replace") if isinstance(value, bytes) else str(value)
             for value in key]  # fmt: skip
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"
