"""Console entry point (placeholder until the engine lands)."""


def main() -> int:
    raise SystemExit("tapstack-sync: not built yet")
