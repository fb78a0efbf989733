"""A stand-in `docker` client for the image hook's tests (installed on PATH by a fixture).

Records each call (argv, whether stdin was given) as a JSON line in $FAKE_DOCKER_LOG; fails the
subcommand named in $FAKE_DOCKER_FAIL the way Docker does. `login` writes an auth entry into
$DOCKER_CONFIG/config.json and `push` refuses without one, as the real client does; a push
uploads a manifest of the built context to the local AWS's ECR (tapstack_tools.image_push).
"""

import base64
import json
import os
import sys
from pathlib import Path

FAILURES = {
    "version": "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
    "Is the docker daemon running?",
    "build": 'ERROR: failed to solve: process "pip install" did not complete successfully',
    "login": "Error response from daemon: login attempt failed with status: 400 Bad Request",
    "push": "denied: requested access to the resource is denied",
}


def main(argv: list[str]) -> int:
    command = argv[0]
    stdin = sys.stdin.read() if command == "login" else ""
    with open(os.environ["FAKE_DOCKER_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps({"argv": argv, "stdin": bool(stdin)}) + "\n")
    if os.environ.get("FAKE_DOCKER_FAIL") == command:
        print(FAILURES[command], file=sys.stderr)
        return 1
    if command == "version":
        print("27.3.1")
    elif command == "login":
        registry = argv[-1]
        auth = base64.b64encode(f"{argv[argv.index('--username') + 1]}:{stdin}".encode())
        config = Path(os.environ["DOCKER_CONFIG"], "config.json")
        config.write_text(json.dumps({"auths": {registry: {"auth": auth.decode()}}}))
    elif command == "push":
        return push(argv[1])
    return 0


def push(image: str) -> int:
    config = Path(os.environ.get("DOCKER_CONFIG", "/nonexistent"), "config.json")
    registry = image.split("/", 1)[0]
    auths = json.loads(config.read_text())["auths"] if config.exists() else {}
    if not any(registry in url for url in auths):
        print("no basic auth credentials", file=sys.stderr)
        return 1
    import boto3
    from tapstack_tools.image_push import ImageSettings, push_image

    repository, tag = image.split("/", 1)[1].rsplit(":", 1)
    ecr = boto3.client("ecr", region_name=registry.split(".")[3])
    push_image(
        lambda c, k: getattr(ecr, c)(**k),
        repository,
        tag,
        {"built": b"1"},
        ImageSettings(["h"], []),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
