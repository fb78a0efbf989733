"""Progress a person can follow for a long `sceptre launch` or `delete`: one line per stack as
it completes (its status and seconds), every line Sceptre prints (per-resource events included)
kept in a log file.

Fed line by line from Sceptre's output (`run_sceptre(..., on_line=progress)`). A stack starts at
its "Launching Stack" (or "Deleting stack") line and completes at its stack-level event with a
final status (CREATE_COMPLETE, UPDATE_COMPLETE, ..._FAILED, ...), at "No updates to perform."
or at "delete complete"; its seconds are wall-clock time between the two lines. Lines that are
not Sceptre's timestamped log lines (its error messages) are shown too.
"""

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

STAMP = r"^\[[^\]]+\] - "
STARTED = re.compile(STAMP + r"(?P<stack>\S+) - (Launching Stack|Deleting stack)$")
NO_UPDATES = re.compile(STAMP + r"(?P<stack>\S+) - No updates to perform\.$")
DELETED = re.compile(STAMP + r"(?P<stack>\S+) - (delete (?P<status>\w+)|Does not exist\.)$")
STACK_EVENT = re.compile(STAMP + r"(?P<stack>\S+) \S+ AWS::CloudFormation::Stack (?P<status>\w+)")
FINAL = re.compile(r"^(CREATE_COMPLETE|UPDATE_COMPLETE|(\w+_)?ROLLBACK_COMPLETE|\w+_FAILED)$")


class LaunchProgress:
    """Callable on each output line; prints completions, writes every line to `log_path`."""

    def __init__(
        self,
        log_path: Path,
        show: Callable[[str], None] = print,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.log_path = log_path
        self._show = show
        self._clock = clock
        self._started: dict[str, float] = {}
        self.statuses: dict[str, str] = {}
        self.seconds: dict[str, float] = {}
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log: TextIO = log_path.open("w", encoding="utf-8")

    def __call__(self, line: str) -> None:
        """Take one line of Sceptre's output."""
        self._log.write(line if line.endswith("\n") else line + "\n")
        self._log.flush()
        text = line.rstrip("\n")
        if match := STARTED.match(text):
            self._started.setdefault(match["stack"], self._clock())
        elif match := NO_UPDATES.match(text):
            self._complete(match["stack"], "no updates")
        elif (match := STACK_EVENT.match(text)) and FINAL.match(match["status"]):
            self._complete(match["stack"], match["status"])
        elif match := DELETED.match(text):
            status = match["status"]
            self._complete(match["stack"], f"DELETE_{status.upper()}" if status else "NOT_DEPLOYED")
        elif text.strip() and not re.match(STAMP, text):
            self._show(f"  {text}")

    def close(self) -> None:
        """Close the log file."""
        self._log.close()

    def _complete(self, stack: str, status: str) -> None:
        if stack in self.statuses:
            return
        seconds = self._clock() - self._started.get(stack, self._clock())
        self.statuses[stack], self.seconds[stack] = status, seconds
        self._show(f"  {stack:<36} {status:<18} {seconds:6.1f} s")
