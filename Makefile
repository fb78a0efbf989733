# tapstack: the commands a newcomer runs. `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
STATE_DIR := .local/emulator
EMULATOR := $(UV) run --frozen --project emulator python -m tapstack_emulator

.PHONY: demo test lint up images down env bench help dist plugin-matrix

help:
	@echo "make demo   launch dev, staging and prod on the local AWS, print a summary, stop it"
	@echo "make test   the whole suite (unit, template lint, local-AWS end to end, sync engine)"
	@echo "make lint   ruff + render every stack, cfn-lint it, check it with AWS Guard rules and asl-validator"
	@echo "make up     start the local AWS, bootstrap its accounts, publish the images, print exports"
	@echo "make images publish the Lambda images again, as CI would (after changing lambda/)"
	@echo "make down   stop what make up started"
	@echo "make bench  benchmarks (render+lint, launch, 10 whole-estate launches, sync engine)"
	@echo "make dist   wheels and sdists of sceptre-tapstack-hooks and -resolvers, into dist/"
	@echo "make plugin-matrix  the plugins' tests on Sceptre 4.4/4.5/4.7 x Python 3.10/3.13"
	@echo "make env    install the locked environments (uv sync: root workspace, emulator, npm scanners)"

# The locked environments every other target runs in (`uv sync`; not the reference-data sync).
env:
	@python3 -c "import uv" 2>/dev/null || command -v uv >/dev/null 2>&1 \
		|| python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet
	@$(UV) sync --frozen --quiet --project emulator
	@# cfn-guard (Guard rules step) and asl-validator, from the npm lockfile (tools/scanners)
	@[ tools/scanners/node_modules/.package-lock.json -nt tools/scanners/package-lock.json ] \
		|| (cd tools/scanners && npm ci --silent)

demo: env
	@$(MAKE) --no-print-directory up
	@set -a; source $(STATE_DIR)/env; set +a; \
		$(UV) run --frozen tapstack-demo; status=$$?; \
		$(MAKE) --no-print-directory down; exit $$status

# The plugins' own suites run against a local AWS of their own: the root suite's launches leave
# deploy roles that admit only each environment's deployer (docs/security.md), and the plugin
# tests act as the local AWS's default principal.
test: env
	$(UV) run --frozen pytest tests lambda environment/tests policy_rules/tests
	$(UV) run --frozen pytest hooks/tests resolvers/tests
	$(UV) run --frozen --project emulator pytest emulator/tests

lint: env
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen tapstack-render-lint
	$(UV) run --frozen tapstack-guard-rules
	$(UV) run --frozen tapstack-asl-check

# The two plugin distributions other teams install (hooks/README.md, resolvers/README.md).
dist:
	@rm -rf dist
	@$(UV) build --quiet --package sceptre-tapstack-hooks --out-dir dist
	@$(UV) build --quiet --package sceptre-tapstack-resolvers --out-dir dist
	@ls dist

# The plugins' supported Sceptre and Python versions, proven: fresh environments from the built
# wheels run each plugin's own tests (.ci/plugin_matrix.py). A CI step of its own: `make test`
# stays within its time budget.
plugin-matrix: env
	python3 .ci/plugin_matrix.py

# The local AWS as a new real setup is before its first launch (tapstack-local-aws, tools/): the
# deployer profiles, each account bootstrapped with the README's command, and the Lambda images
# published as CI would (no Docker daemon here). Then the README's plain commands work.
up: env
	@TAPSTACK_EMULATOR_IMAGE_PYTHON=$(CURDIR)/.venv/bin/python $(EMULATOR) start --state-dir $(STATE_DIR) --env-file $(STATE_DIR)/env >/dev/null
	@set -a; source $(STATE_DIR)/env; set +a; \
		$(UV) run --frozen tapstack-local-aws up --env-file $(STATE_DIR)/env \
		|| { $(MAKE) --no-print-directory down; exit 1; }
	@echo "# local AWS running; paste these to reach it with sceptre, aws or boto3:"
	@sed 's/^/export /' $(STATE_DIR)/env

images:
	@set -a; source $(STATE_DIR)/env; set +a; $(UV) run --frozen tapstack-local-aws images

down:
	@if [ -d $(STATE_DIR) ]; then $(EMULATOR) stop --state-dir $(STATE_DIR); fi

bench: env
	$(UV) run --frozen python bench/render_lint_bench.py
	$(UV) run --frozen python bench/launch_bench.py
	$(UV) run --frozen python bench/estate_runs.py
	$(UV) run --frozen python bench/sync_bench.py
	$(UV) run --frozen python bench/checksum_cost.py
	$(UV) run --frozen python bench/sync_exactness.py
	$(UV) run --frozen python bench/digest_mixing.py
