"""Command line: `serve` (foreground), `start` / `stop` / `status` (background, by state dir)."""

import argparse
import os
import sys
from pathlib import Path

from tapstack_emulator import lifecycle, server

DEFAULT_STATE_DIR = Path(".local/emulator")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tapstack_emulator",
        description="tapstack's local AWS: moto server on 127.0.0.1 with the project's models.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run in the foreground; print the endpoint")
    serve.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    serve.add_argument(
        "--state-dir", type=Path, help="also record pid and port here (used by `start`)"
    )

    start = commands.add_parser("start", help="run in the background; print the endpoint")
    start.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    start.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    start.add_argument("--env-file", type=Path, help="write AWS_* KEY=VALUE lines here")
    start.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for health")

    stop = commands.add_parser("stop", help="stop what `start` started (idempotent)")
    stop.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)

    status = commands.add_parser("status", help="exit 0 and print the endpoint if running")
    status.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    return parser


def _serve(args: argparse.Namespace) -> int:
    def ready(endpoint: str) -> None:
        if args.state_dir is not None:
            port = int(endpoint.rsplit(":", 1)[1])
            lifecycle.ServerState(pid=os.getpid(), port=port, endpoint=endpoint).write(
                args.state_dir
            )
        print(endpoint, flush=True)

    server.serve(args.port, ready)
    return 0


def _start(args: argparse.Namespace) -> int:
    try:
        state = lifecycle.start(args.state_dir, port=args.port, timeout=args.timeout)
    except lifecycle.EmulatorError as err:
        print(f"tapstack-emulator: {err}", file=sys.stderr)
        return 1
    if args.env_file is not None:
        lifecycle.write_env_file(args.env_file, state.endpoint)
    print(state.endpoint)
    return 0


def _stop(args: argparse.Namespace) -> int:
    stopped = lifecycle.stop(args.state_dir)
    print("stopped" if stopped else "not running")
    return 0


def _status(args: argparse.Namespace) -> int:
    state = lifecycle.running(args.state_dir.resolve())
    if state is None:
        print("not running")
        return 3
    print(f"running at {state.endpoint} (pid {state.pid})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` and run the command; the return value is the exit code."""
    args = _parser().parse_args(argv)
    command = {"serve": _serve, "start": _start, "stop": _stop, "status": _status}
    return command[args.command](args)
