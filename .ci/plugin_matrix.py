#!/usr/bin/env python3
"""The plugins' support matrix: the lowest Sceptre and Python they claim, proven.

For every (Sceptre, Python) pair below, uv builds a fresh environment from the wheels `make dist`
built (not from the workspace), installs that Sceptre, and runs each plugin's own tests
(hooks/tests, resolvers/tests) against a local AWS of their own. One more environment takes the
lowest version of every dependency the plugins allow. Before that, the sdists are checked (they
ship no tests) and the three documented installs are tried: a path, a git URL with
`#subdirectory=`, and the built wheel. Prints a table; exits 1 if anything failed.

    python3 .ci/plugin_matrix.py                 # everything (make plugin-matrix)
    python3 .ci/plugin_matrix.py --only 4.4-py3.10

Stdlib only: it runs before any environment exists. Interpreters are found with uv, then under
~/.pyenv/versions and on PATH, else installed by uv (a download);
`TAPSTACK_PYTHON_3_10=/path/to/python3.10` (and _3_13) overrides.
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".local" / "plugin-matrix"
DIST = ROOT / "dist"
SCEPTRE = ("4.4", "4.5", "4.7")
PYTHONS = ("3.10", "3.13")
# The lower bounds of the plugins' own dependencies (hooks/pyproject.toml, resolvers/...).
LOWEST = ("boto3==1.34.0", "pydantic==2.6.0", "cfn-lint==1.20.0")
# The suites' shared helpers and pytest plugin (tools/): editable, so they find this checkout.
TEST_TOOLS = ("pytest>=8.3,<10", "pytest-timeout>=2.3", "--editable", str(ROOT / "tools"))
PLUGINS = {"hooks": "sceptre_tapstack_hooks", "resolvers": "sceptre_tapstack_resolvers"}


@dataclass
class Outcome:
    """One row of the table."""

    name: str
    sceptre: str
    python: str
    dependencies: str
    passed: bool
    seconds: float
    detail: str


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a command from the repository root, capturing its output."""
    return subprocess.run(  # noqa: S603 - our own fixed commands
        command, cwd=ROOT, capture_output=True, text=True, check=False, **kwargs
    )


def uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        sys.exit("plugin matrix: uv is needed (python3 -m pip install uv)")
    return found


def find_python(version: str, install: bool = True) -> str:
    """An interpreter of `version`: the override, uv's, pyenv's or PATH's; else uv installs one
    (a download); else exit saying how to provide one."""
    variable = f"TAPSTACK_PYTHON_{version.replace('.', '_')}"
    if os.environ.get(variable):
        return os.environ[variable]
    found = run([uv(), "python", "find", "--no-python-downloads", version])
    candidates = [found.stdout.strip()] if found.returncode == 0 else []
    candidates += sorted(glob.glob(str(Path.home() / f".pyenv/versions/{version}.*/bin/python3")))
    candidates += [shutil.which(f"python{version}") or ""]
    for candidate in filter(None, candidates):
        check = run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        if check.returncode == 0 and check.stdout.strip() == version:
            return candidate
    if install and run([uv(), "python", "install", version]).returncode == 0:
        return find_python(version, install=False)
    sys.exit(
        f"plugin matrix: no Python {version} found (uv python find, ~/.pyenv/versions, PATH) and "
        f"`uv python install {version}` failed; install one or set {variable} to its path"
    )


def build_dists() -> dict[str, Path]:
    """`make dist`; the wheel of each plugin, after checking its sdist ships no tests."""
    result = run(["make", "--no-print-directory", "dist"])
    if result.returncode != 0:
        sys.exit(f"plugin matrix: make dist failed:\n{result.stdout}{result.stderr}")
    wheels = {}
    for folder, name in PLUGINS.items():
        (wheel,) = DIST.glob(f"{name}-*.whl")
        (sdist,) = DIST.glob(f"{name}-*.tar.gz")
        with tarfile.open(sdist) as archive:
            members = [m.split("/", 1)[1] for m in archive.getnames() if "/" in m]
        shipped_tests = [m for m in members if m.startswith("tests") or "/tests/" in m]
        missing = {"LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml"} - set(members)
        if shipped_tests or missing:
            sys.exit(f"plugin matrix: {sdist.name} ships {shipped_tests} / lacks {missing}")
        wheels[folder] = wheel
    return wheels


def environment(name: str, python: str, requirements: list[str]) -> tuple[Path | None, str]:
    """A fresh venv with `requirements`; (its python, "") or (None, why not)."""
    venv = WORK / name
    shutil.rmtree(venv, ignore_errors=True)
    made = run([uv(), "venv", "--quiet", "--python", python, str(venv)])
    if made.returncode != 0:
        return None, made.stderr.strip()[-400:]
    interpreter = venv / "bin" / "python"
    installed = run(
        [uv(), "pip", "install", "--quiet", "--python", str(interpreter), *requirements]
    )
    if installed.returncode != 0:
        return None, installed.stderr.strip()[-400:]
    return interpreter, ""


def versions(interpreter: Path) -> tuple[str, str, str]:
    """(Sceptre, Python, "boto3 X, pydantic Y, cfn-lint Z") versions of an environment."""
    probe = (
        "import sys; from importlib.metadata import version as v; "
        "print(v('sceptre'), sys.version.split()[0], "
        "', '.join(f'{n} {v(n)}' for n in ('boto3', 'pydantic', 'cfn-lint')), sep='|')"
    )
    found = run([str(interpreter), "-c", probe]).stdout.strip().split("|")
    return (found[0], found[1], found[2]) if len(found) == 3 else ("?", "?", "?")


def test_in(name: str, python: str, requirements: list[str]) -> Outcome:
    """Build the environment and run both plugins' tests in it."""
    started = time.monotonic()
    interpreter, problem = environment(name, python, requirements)
    if interpreter is None:
        return Outcome(name, "?", python, "?", False, time.monotonic() - started, problem)
    sceptre_version, python_version, dependencies = versions(interpreter)
    # UV is the uv the Lambda-package tests build with; the local AWS runs in emulator/'s own
    # environment (tapstack_tools.local_aws), whatever this one is.
    env = {**os.environ, "UV": uv()}
    env.pop("VIRTUAL_ENV", None)
    pytest = [str(interpreter), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout=600"]
    tests = run([*pytest, "hooks/tests", "resolvers/tests"], env=env)
    summary = (tests.stdout.strip().splitlines() or ["no output"])[-1]
    if tests.returncode != 0:
        log = WORK / f"{name}.log"
        log.write_text(tests.stdout + tests.stderr)
        summary += f" (log: {log.relative_to(ROOT)})"
    elapsed = time.monotonic() - started
    passed = tests.returncode == 0
    return Outcome(name, sceptre_version, python_version, dependencies, passed, elapsed, summary)


def documented_installs(python: str, wheels: dict[str, Path]) -> Outcome:
    """The README's three installs each give Sceptre the plugins' tags; without the extra,
    every hook loads and cfn-lint is not installed."""
    started = time.monotonic()
    head = run(["git", "rev-parse", "HEAD"]).stdout.strip()
    ways = {
        "path (no extra)": [str(ROOT / "hooks"), str(ROOT / "resolvers")],
        "git URL": [
            f"sceptre-tapstack-hooks[cfn-lint] @ git+file://{ROOT}@{head}#subdirectory=hooks",
            f"sceptre-tapstack-resolvers @ git+file://{ROOT}@{head}#subdirectory=resolvers",
        ],
        "wheel": [f"{wheels['hooks']}[cfn-lint]", str(wheels["resolvers"])],
    }
    probe = (
        "import importlib.util, sys; from importlib.metadata import entry_points as e; "
        "h = {p.name for p in e(group='sceptre.hooks')}; "
        "r = {p.name for p in e(group='sceptre.resolvers')}; "
        "assert {'empty_buckets', 'rollback_triggers', 'cfn_lint'} <= h, h; "
        "assert {'stack_output_cross_account', 'lambda_package_key'} <= r, r; "
        "[p.load() for g in ('sceptre.hooks', 'sceptre.resolvers') for p in e(group=g)]; "
        "extra = importlib.util.find_spec('cfnlint') is not None; "
        "assert extra == (sys.argv[1] == 'extra'), ('cfn-lint installed:', extra)"
    )
    failed = []
    for way, requirements in ways.items():
        folder = "install-" + way.split()[0] + ("-" + way.split()[1] if " " in way else "")
        interpreter, problem = environment(folder, python, requirements)
        wanted = "none" if "no extra" in way else "extra"
        checked = run([str(interpreter), "-c", probe, wanted]) if interpreter else None
        if checked is None or checked.returncode != 0:
            why = problem or (checked.stderr.strip().splitlines() or ["?"])[-1]
            failed.append(f"{way}: {why}")
    elapsed = time.monotonic() - started
    detail = "; ".join(failed) or f"{', '.join(ways)}: every tag loads"
    return Outcome("documented installs", "-", python, "-", not failed, elapsed, detail)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", help="run only these rows (e.g. 4.4-py3.10)")
    arguments = parser.parse_args()
    started = time.monotonic()
    WORK.mkdir(parents=True, exist_ok=True)
    pythons = {version: find_python(version) for version in PYTHONS}
    wheels = build_dists()
    plugins = [f"{wheels['hooks']}[cfn-lint]", str(wheels["resolvers"]), *TEST_TOOLS]
    rows = [
        (f"{sceptre}-py{python}", pythons[python], [f"sceptre=={sceptre}.*", *plugins])
        for sceptre in SCEPTRE
        for python in PYTHONS
    ]
    lowest = [f"sceptre=={SCEPTRE[0]}.*", *LOWEST, *plugins]
    rows.insert(0, (f"lowest-{SCEPTRE[0]}-py{PYTHONS[0]}", pythons[PYTHONS[0]], lowest))
    outcomes = [documented_installs(pythons[PYTHONS[0]], wheels)]
    outcomes[0].python = PYTHONS[0]  # the interpreter's version, not its path
    for name, python, requirements in rows:
        if arguments.only and name not in arguments.only:
            continue
        print(f"plugin matrix: {name} ...", flush=True)
        outcomes.append(test_in(name, python, requirements))
    print(
        "\n| environment | Sceptre | Python | boto3, pydantic, cfn-lint | result | time | tests |"
    )
    print("|---|---|---|---|---|---|---|")
    for o in outcomes:
        result = "pass" if o.passed else "FAIL"
        print(
            f"| {o.name} | {o.sceptre} | {o.python} | {o.dependencies} | {result} "
            f"| {o.seconds:.0f} s | {o.detail} |"
        )
    print(f"\nplugin matrix: {time.monotonic() - started:.0f} s in all")
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
