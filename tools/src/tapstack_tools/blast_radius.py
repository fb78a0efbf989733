"""What one command did outside its own environment, read from the local AWS's journals.

A command over one environment's groups may write to CloudFormation only in that environment's
account, and assume only that account's roles; prod's commands may also assume the one role
staging and dev keep for prod (`tapstack-peering-accepter-{env}`: read their network and
database outputs, accept prod's peering, publish its id), never their deploy roles. A refused
AssumeRole counts as well: the command tried. The whole estate's command is not judged here.
"""

from tapstack_tools.deployment import SceptreRun

# The roles of another environment's account that a command of `environment` may assume.
ALLOWED_ELSEWHERE = {"prod": ("tapstack-peering-accepter",)}


def violations(run: SceptreRun, environment: str, accounts: dict[str, str]) -> list[str]:
    """Each CloudFormation write and AssumeRole of `run` outside `environment`'s account that
    the design does not allow, as a line naming the call."""
    own = accounts[environment]
    environment_of = {account: env for env, account in accounts.items()}
    found = [
        f"{entry['action']} {entry['stack']} in {environment_of.get(entry['account'], '?')}'s "
        f"account {entry['account']} ({entry['region']})"
        for entry in run.writes
        if entry["account"] != own
    ]
    for entry in run.assumed:
        account, name = entry["role"].split(":")[4], entry["role"].rsplit("/", 1)[-1]
        if account == own:
            continue
        other = environment_of.get(account, "?")
        allowed = [f"{prefix}-{other}" for prefix in ALLOWED_ELSEWHERE.get(environment, ())]
        if name not in allowed:
            verb = "assumed" if entry["admitted"] else "tried to assume"
            found.append(f"{verb} {entry['role']} ({other}'s account)")
    return found
