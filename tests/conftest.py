"""Session fixtures for the project tests: rendered templates of every stack, and the whole
estate launched once on the local AWS for the end-to-end tests."""

from dataclasses import dataclass

import pytest
from tapstack_tools import local_setup
from tapstack_tools.deployment import ESTATE_LAUNCH, SceptreRun, journal, run_sceptre
from tapstack_tools.rendered_templates import render_all, template_document


@pytest.fixture(scope="session")
def rendered() -> dict[str, dict]:
    """Every stack of every group, rendered by Sceptre: {name: {region, body}}."""
    return render_all()


@pytest.fixture(scope="session")
def documents(rendered: dict[str, dict]) -> dict[str, dict]:
    """Every rendered template as a dict."""
    return {name: template_document(stack["body"]) for name, stack in rendered.items()}


@dataclass(frozen=True)
class Estate:
    """The whole estate as the README brings it up: each account's bootstrap, the images CI
    publishes (make up), then `sceptre launch -y ''`."""

    bootstrap: dict[str, SceptreRun]
    launch: SceptreRun
    # Every signed call made while the images were published (as CI would, with each deploy
    # role's credentials): the local AWS's call journal.
    publication_calls: tuple[dict, ...] = ()


@pytest.fixture(scope="session")
def estate(local_aws) -> Estate:
    """The whole estate, brought up once for the session with the README's commands."""
    with pytest.MonkeyPatch.context() as patch:  # session scope: no per-test monkeypatch
        for name, value in local_aws.env().items():
            patch.setenv(name, value)
        bootstrap = local_setup.bootstrap()
        calls_from = journal("call")["next"]
        local_setup.publish_all_images()
        publication = tuple(journal("call", calls_from)["entries"])
        launch = run_sceptre(*ESTATE_LAUNCH)
        assert launch.returncode == 0, launch.output[-6000:]
        return Estate(bootstrap, launch, publication)
