"""Every call a deploy role made, judged against that deploy role's policies as deployed.

The local AWS journals each signed request with its caller and the action moto authorizes it as
(emulator/tapstack_emulator/behaviours/call_journal.py); tapstack_tools.iam_actions names the IAM
actions each needs; the deploy role's policies are read back from the local AWS's IAM (the
default version of each attached managed policy, and the inline policies) and evaluated with
the local AWS's evaluator (emulator/tapstack_emulator/policy_evaluation.py).

What this cannot see: the calls CloudFormation makes as the caller while it creates resources.
The local AWS builds them inside its own process, without requests to journal;
tapstack_tools.deploy_role_coverage covers them from AWS's registry schemas instead.
"""

import json
import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote

from tapstack_tools.iam_actions import UnmappedOperationError, for_journaled_call
from tapstack_tools.identity_plane import policy

DEPLOY_ROLE = re.compile(r"^arn:aws:iam::\d{12}:role/tapstack-deploy-(?P<environment>[a-z]+)$")


def deploy_role_calls(entries: Iterable[dict]) -> list[dict]:
    """The journal entries whose caller is a deploy role."""
    return [entry for entry in entries if DEPLOY_ROLE.match(entry.get("caller") or "")]


def _document(value: str | dict) -> dict:
    return json.loads(unquote(value)) if isinstance(value, str) else value


def deployed_policies(iam, role_name: str) -> list[dict]:
    """The policy documents of `role_name` in the account `iam` (a boto3 client) reaches."""
    documents = []
    for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
        arn = attached["PolicyArn"]
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        found = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
        documents.append(_document(found["Document"]))
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        found = iam.get_role_policy(RoleName=role_name, PolicyName=name)
        documents.append(_document(found["PolicyDocument"]))
    return documents


def refused(entries: Iterable[dict], policies: Callable[[str], list[dict]]) -> list[str]:
    """What a deploy role called that its policies do not allow, or that cannot be judged.
    `policies(environment)`: the documents of that environment's deploy role."""
    problems = set()
    for entry in deploy_role_calls(entries):
        environment = DEPLOY_ROLE.match(entry["caller"])["environment"]
        try:
            actions = for_journaled_call(entry)
        except UnmappedOperationError as err:
            problems.add(f"{environment}'s deploy role: {err}")
            continue
        for action in actions:
            request = policy.Request(action, entry.get("resource") or "*")
            if policy.decide(policies(environment), request) != policy.ALLOW:
                problems.add(
                    f"{environment}'s deploy role called {action} ({entry['service']} "
                    f"{entry['action']} on {entry.get('resource')}): not allowed by its policies"
                )
    return sorted(problems)
