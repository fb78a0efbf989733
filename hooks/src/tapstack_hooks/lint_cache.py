"""What `!cfn_lint` remembers: the inputs that linted clean, so a relaunch does not lint again.

A pass is a file named by the SHA-256 of every input that decides the result: the cfn-lint
version, the region, the ignored rule ids, the content of every custom rule module, and the
template body. Change any of them and the template is linted again. Findings are never stored,
so a template with findings fails every time. The folder is `$TAPSTACK_LINT_CACHE`, else
`$XDG_CACHE_HOME/sceptre-tapstack-hooks/cfn-lint`, else `~/.cache/sceptre-tapstack-hooks/cfn-lint`;
deleting it only costs time.
"""

import hashlib
import importlib
import json
import os
from dataclasses import dataclass
from pathlib import Path


def cache_folder() -> Path:
    """Where passes are kept."""
    if explicit := os.environ.get("TAPSTACK_LINT_CACHE"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sceptre-tapstack-hooks" / "cfn-lint"


def rule_sources(folders: tuple[str, ...]) -> list[list[str]]:
    """Each custom rule module of `folders` as [path inside its folder, sha256 of its content],
    in path order: where the project is checked out does not change the key."""
    sources = []
    for folder in folders:
        for module in sorted(Path(folder).rglob("*.py")):
            inside = module.relative_to(folder).as_posix()
            sources.append([inside, hashlib.sha256(module.read_bytes()).hexdigest()])
    return sources


@dataclass(frozen=True)
class LintCache:
    """The remembered result of one set of lint inputs."""

    key: str

    @classmethod
    def for_inputs(
        cls, body: str, region: str, ignore: list[str], rules: tuple[str, ...]
    ) -> "LintCache":
        """The entry for linting `body` in `region` with `ignore` and the `rules` folders."""
        version = importlib.import_module("cfnlint.version").__version__
        inputs = [version, region, sorted(ignore), rule_sources(rules), body]
        return cls(hashlib.sha256(json.dumps(inputs).encode()).hexdigest())

    @property
    def path(self) -> Path:
        return cache_folder() / self.key

    def passed_before(self) -> bool:
        """Whether these exact inputs linted clean before."""
        return self.path.is_file()

    def remember_pass(self) -> None:
        """Record that these inputs lint clean (best effort: a read-only home only costs time)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text("clean\n")
        except OSError:
            pass

    def __str__(self) -> str:
        return f"cache entry {self.key[:12]}"
