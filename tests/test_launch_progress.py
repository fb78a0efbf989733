"""The demo's progress: one line per stack as it completes, every line kept in the log file."""

import itertools

from tapstack_tools.launch_progress import LaunchProgress

# Lines as Sceptre 4.7 prints them during `sceptre launch -y ''` (taken from a run).
LAUNCH = [
    "[2026-12-06 22:12:46] - dev/us-east-1/iam - Launching Stack\n",
    "[2026-12-06 22:12:46] - dev/us-east-1/kms - Launching Stack\n",
    "[2026-12-06 22:12:47] - dev/us-east-1/iam - Stack is in the CREATE_COMPLETE state\n",
    "[2026-12-06 22:12:47] - dev/us-east-1/iam - Updating Stack\n",
    "[2026-12-06 22:12:47] - dev/us-east-1/iam - No updates to perform.\n",
    "[2026-12-06 22:12:52] - dev/us-east-1/kms Key AWS::KMS::Key CREATE_IN_PROGRESS \n",
    "[2026-12-06 22:12:52] - dev/us-east-1/kms Key AWS::KMS::Key CREATE_COMPLETE \n",
    "[2026-12-06 22:12:52] - dev/us-east-1/kms tapstack-dev-us-east-1-kms "
    "AWS::CloudFormation::Stack CREATE_COMPLETE \n",
    "[2026-12-06 22:12:53] - dev/us-east-1/network - Launching Stack\n",
    "[2026-12-06 22:12:59] - dev/us-east-1/network tapstack-dev-us-east-1-network "
    "AWS::CloudFormation::Stack ROLLBACK_COMPLETE \n",
    '"dev/us-east-1/network: the stack failed"\n',
]


def progress_of(lines, tmp_path):
    shown = []
    ticks = itertools.count(start=0.0, step=1.5)
    progress = LaunchProgress(tmp_path / "logs" / "launch.log", shown.append, lambda: next(ticks))
    for line in lines:
        progress(line)
    progress.close()
    return progress, shown


def test_one_line_per_stack_as_it_completes_with_status_and_seconds(tmp_path):
    progress, shown = progress_of(LAUNCH, tmp_path)
    assert [line.split()[:2] for line in shown[:3]] == [
        ["dev/us-east-1/iam", "no"],
        ["dev/us-east-1/kms", "CREATE_COMPLETE"],
        ["dev/us-east-1/network", "ROLLBACK_COMPLETE"],
    ]
    assert progress.statuses == {
        "dev/us-east-1/iam": "no updates",
        "dev/us-east-1/kms": "CREATE_COMPLETE",
        "dev/us-east-1/network": "ROLLBACK_COMPLETE",
    }
    # seconds from the stack's start line to its completion line (a tick per clock read)
    assert progress.seconds["dev/us-east-1/iam"] == 3.0
    assert shown[0].endswith("3.0 s")


def test_resource_events_go_to_the_log_only_and_errors_are_shown(tmp_path):
    progress, shown = progress_of(LAUNCH, tmp_path)
    assert not any("AWS::KMS::Key" in line for line in shown)
    assert shown[-1] == '  "dev/us-east-1/network: the stack failed"'
    assert progress.log_path.read_text(encoding="utf-8").splitlines() == [
        line.rstrip("\n") for line in LAUNCH
    ]


def test_a_delete_completes_each_stack_once(tmp_path):
    lines = [
        "[2026-12-06 22:16:18] - prod/us-east-1/sync - Deleting stack\n",
        "[2026-12-06 22:16:18] - prod/us-east-1/sync - delete complete\n",
        "[2026-12-06 22:16:19] - staging/us-east-1/kms - Deleting stack\n",
        "[2026-12-06 22:16:19] - staging/us-east-1/kms - Does not exist.\n",
    ]
    progress, shown = progress_of(lines, tmp_path)
    assert progress.statuses == {
        "prod/us-east-1/sync": "DELETE_COMPLETE",
        "staging/us-east-1/kms": "NOT_DEPLOYED",
    }
    assert len(shown) == 2
