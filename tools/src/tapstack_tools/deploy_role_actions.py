"""Generate the deploy role's permission list from what it deploys and what calls it makes.

`uv run --frozen tapstack-deploy-role-actions` prints what changed against the checked-in
list (templates/tapstack_blocks/deploy_role_actions.json); `--write` rewrites it, for review
in the diff. tests/test_deploy_role_actions.py fails while the two differ.

The list is the union of:
- the registry handler permissions (create, read, update, delete, list;
tapstack_tools.registry_schemas)
  of every resource type of every stack the deploy role launches: every stack of every group
  (all run as `tapstack-deploy-{env}`; the iam stack's first launch only runs as the account's
  admin). The StackSet's inner template is deployed by the StackSet's execution role, not by
  the deploy role, so its types are not counted;
- what CloudFormation calls as the caller beyond the handlers: the function of a custom resource
  (lambda:InvokeFunction) and dynamic references and SSM parameter types it resolves;
- every `connection_manager.call` of Sceptre and of this project's hooks, resolvers and blocks
  (tapstack_tools.client_calls), mapped to IAM actions (tapstack_tools.iam_actions);
- the registry calls `docker push` makes for `!push_lambda_image` with the deploy role's token.

IAM actions go to `iam_actions`: the guard-railed inline policy (tapstack_blocks.boundary)
grants them, never the generated policies; tapstack_tools.deploy_role_coverage shows it does.
`withheld` lists handler permissions granted to neither, each with its reason in WITHHELD;
`not_iam_actions` the handler entries that name no IAM action (registry_schemas.is_iam_action).
"""

import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import sceptre
from sceptre.context import SceptreContext
from sceptre.plan.plan import SceptrePlan

from tapstack_tools import registry_schemas
from tapstack_tools.client_calls import calls_under
from tapstack_tools.iam_actions import for_client_call
from tapstack_tools.rendered_templates import PROJECT_DIR, template_document

DATA = PROJECT_DIR / "templates" / "tapstack_blocks" / "deploy_role_actions.json"
COMMAND = "uv run --frozen tapstack-deploy-role-actions --write"
DEPLOY_ROLE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/tapstack-deploy-[a-z]+$")
SCEPTRE_ROOT = Path(sceptre.__file__).parent
# Sceptre modules whose AWS calls this project never triggers (checked by `_unused_features`).
SCEPTRE_UNUSED = {
    "sceptre/connection_manager.py": "the connection manager itself: it assumes the deploy role "
    "with the deployer's credentials (the deployer's sts:AssumeRole, not the deploy role's)",
    "sceptre/hooks/asg_scaling_processes.py": "no stack config uses asg_scaling_processes",
    "sceptre/template.py": "uploads templates to S3 only when template_bucket_name is set",
    "sceptre/template_handlers/s3.py": "reads templates from S3 only for templates of type s3",
}
PROJECT_SOURCES = (
    (PROJECT_DIR / "hooks" / "src", "hook"),
    (PROJECT_DIR / "resolvers" / "src", "resolver"),
    (PROJECT_DIR / "templates", "block"),
)
# `docker push` of `!push_lambda_image`, with the token the hook gets as the deploy role (Amazon
# ECR User Guide, "Pushing a Docker image": the registry permissions a push needs).
DOCKER_PUSH = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)
# What CloudFormation resolves as the caller: dynamic references and SSM parameter types.
DYNAMIC_REFERENCES = {
    "secretsmanager": ("secretsmanager:GetSecretValue", "kms:Decrypt"),
    "ssm": ("ssm:GetParameters",),
    "ssm-secure": ("ssm:GetParameters", "kms:Decrypt"),
}
SSM_PARAMETER_TYPE = ("ssm:GetParameters",)
CUSTOM_RESOURCE = ("lambda:InvokeFunction",)
# Handler permissions granted to nobody, each with its reason (premises checked in
# tapstack_tools.deploy_role_coverage).
WITHHELD = {
    "sts:AssumeRole": "AWS::EC2::VPCPeeringConnection assumes PeerRoleArn to accept across "
    "accounts; no template sets it (!accept_vpc_peering accepts), and the deploy role never "
    "assumes a role (explicit Deny)",
    "iam:DeleteRolePermissionsBoundary": "a project role never loses the permissions boundary "
    "(guard rail: denied everywhere)",
    "iam:AttachGroupPolicy": "the project's managed policies attach to roles only",
    "iam:AttachUserPolicy": "the project's managed policies attach to roles only",
    "iam:DetachGroupPolicy": "the project's managed policies attach to roles only",
    "iam:DetachUserPolicy": "the project's managed policies attach to roles only",
    "iam:ListPolicies": "only AWS::IAM::ManagedPolicy's list handler (resource discovery), "
    "which no stack operation runs; PowerUserAccess never granted it either",
}


def deploy_role_stacks(project_dir: Path = PROJECT_DIR) -> list:
    """Every stack of every group; raises if one is launched by another role than a deploy
    role, or uses a Sceptre feature whose calls SCEPTRE_UNUSED leaves out."""
    context = SceptreContext(project_path=str(project_dir), command_path="")
    stacks = sorted(SceptrePlan(context).command_stacks, key=lambda stack: stack.name)
    problems = [
        f"{stack.name}: launched as {stack.sceptre_role}, not a deploy role"
        for stack in stacks
        if not DEPLOY_ROLE.match(str(stack.sceptre_role))
    ]
    problems += _unused_features(stacks)
    if problems:
        raise ValueError("\n".join(problems))
    return stacks


def _unused_features(stacks: list) -> list[str]:
    problems = []
    for stack in stacks:
        if stack.template_bucket_name:
            problems.append(f"{stack.name}: template_bucket_name is set (sceptre/template.py)")
        if stack.template_handler_config.get("type") == "s3":
            problems.append(f"{stack.name}: a template of type s3 (template_handlers/s3.py)")
        hooks = [hook for point in (stack.hooks or {}).values() for hook in point]
        if any(type(hook).__module__.startswith("sceptre.hooks.asg") for hook in hooks):
            problems.append(f"{stack.name}: asg_scaling_processes hook")
    return problems


def template_actions(document: dict, region: str, add: Callable) -> set[str]:
    """`add(actions, source)` what a template needs from whoever launches it; return its
    resource types."""
    types = {resource["Type"] for resource in document["Resources"].values()}
    for resource_type in sorted(types):
        if resource_type.startswith("Custom::") or resource_type.endswith("::CustomResource"):
            add(CUSTOM_RESOURCE, "custom resources (CloudFormation invokes their function)")
            continue
        for actions in registry_schemas.handler_permissions(resource_type, region).values():
            add(actions, resource_type)
    body = json.dumps(document)
    for kind in sorted(set(re.findall(r"\{\{resolve:([a-z-]+):", body))):
        add(DYNAMIC_REFERENCES[kind], f"{{{{resolve:{kind}}}}} (CloudFormation resolves it)")
    if any(p["Type"].startswith("AWS::SSM::") for p in document.get("Parameters", {}).values()):
        add(SSM_PARAMETER_TYPE, "SSM parameter types (CloudFormation resolves them)")
    return types


def client_actions(add: Callable) -> None:
    """`add(actions, source)` for every connection-manager call of Sceptre and the project."""
    skip = frozenset(SCEPTRE_UNUSED)
    sources = [(SCEPTRE_ROOT, SCEPTRE_ROOT.parent, "sceptre", skip)]
    sources += [(folder, folder, kind, frozenset()) for folder, kind in PROJECT_SOURCES]
    for folder, root, kind, skipped in sources:
        for call in calls_under(folder, root, skipped):
            module = call.where.rsplit(":", 1)[0]
            label = f"{kind} {module}" + (" (as sceptre_role)" if call.other_role else "")
            add(for_client_call(call.service, call.operation, call.parameters), label)


def regenerate(project_dir: Path = PROJECT_DIR) -> dict:
    """The permission list, as the checked-in JSON holds it."""
    sources: dict[str, set[str]] = defaultdict(set)

    def add(actions, source: str) -> None:
        for action in actions:
            sources[registry_schemas.normalized(action)].add(source)

    types: set[str] = set()
    for stack in deploy_role_stacks(project_dir):
        types |= template_actions(template_document(stack.template.body), stack.region, add)
    client_actions(add)
    add(DOCKER_PUSH, "docker push (!push_lambda_image)")

    def listing(keep) -> dict[str, list[str]]:
        return {a: sorted(sources[a]) for a in sorted(sources) if keep(a)}

    return {
        "generated_by": COMMAND,
        "registry_schemas": registry_schemas.source(),
        "resource_types": sorted(types),
        "actions": listing(lambda a: granted(a) and not a.startswith("iam:")),
        "iam_actions": listing(lambda a: granted(a) and a.startswith("iam:")),
        "withheld": listing(lambda a: a in WITHHELD),
        "not_iam_actions": listing(lambda a: not registry_schemas.is_iam_action(a)),
    }


def granted(action: str) -> bool:
    """An IAM action not withheld."""
    return action not in WITHHELD and registry_schemas.is_iam_action(action)


def checked_in() -> dict:
    """The reviewed list, as checked in."""
    return json.loads(DATA.read_text(encoding="utf-8"))


def render(data: dict) -> str:
    """The JSON text of the list: one action a line, so a review reads the diff."""
    return json.dumps(data, indent=1, sort_keys=False) + "\n"


def changes(old: dict, new: dict) -> list[str]:
    """`+ action` / `- action` lines between two lists (all sections)."""
    lines = []
    for section in ("resource_types", "actions", "iam_actions", "withheld", "not_iam_actions"):
        before, after = set(old.get(section, [])), set(new.get(section, []))
        lines += [f"+ {section}: {item}" for item in sorted(after - before)]
        lines += [f"- {section}: {item}" for item in sorted(before - after)]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print the changes; with --write, write the regenerated list."""
    argv = sys.argv[1:] if argv is None else argv
    new = regenerate()
    old = checked_in() if DATA.is_file() else {}
    for line in changes(old, new):
        print(line)
    if "--write" in argv:
        DATA.write_text(render(new), encoding="utf-8")
        print(f"wrote {DATA.relative_to(PROJECT_DIR)}: {len(new['actions'])} actions")
    elif old != new:
        print(f"{DATA.relative_to(PROJECT_DIR)} is out of date: run `{COMMAND}`")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
