# Slipway. Every target puts .venv/bin and .tools/bin first on PATH.
SHELL := /bin/bash
export PATH := $(CURDIR)/.venv/bin:$(CURDIR)/.tools/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
ENVS := dev ci test staging prod
GATE := scripts/gate

.PHONY: help setup hosts hosts-destroy demo test test-fast test-real lint syntax unit molecule bench build artifact-check sanity lock

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

setup: ## install everything (apt packages, .venv, helm, npm test deps, test-host image); idempotent
	@scripts/setup

hosts: setup ## create (or keep) the dev lab: three local test hosts
	@python tests/testhosts/testhosts.py create --lab dev --count 3 --subnet 10.89.10.0/24 >/dev/null

hosts-destroy: ## remove the dev lab
	@python tests/testhosts/testhosts.py destroy --lab dev

demo: hosts ## run site.yml as the dev environment on the local test hosts
	ansible-playbook playbooks/site.yml -i inventories/dev

test: setup ## every gate: lint, syntax, unit and render tests, molecule
	@scripts/gate-all

test-fast: setup ## the inner loop, under a minute: ruff, yamllint and every test not marked slow (make test before pushing)
	@$(GATE) ruff ruff check .
	@$(GATE) yamllint yamllint --strict .
	@$(GATE) pytest-fast pytest -q -n auto --dist loadfile -m "not slow"

test-real: setup ## the cluster half on a real kube-apiserver with the real upstream charts (not in test; skips, saying why, without them)
	@scripts/test-real

lint: ## yamllint, ansible-lint (production), ruff, mypy, no-noqa check, ansible-test sanity
	@$(GATE) yamllint yamllint --strict .
	@$(GATE) ansible-lint ansible-lint --offline -q
	@$(GATE) ruff ruff check .
	@$(GATE) mypy mypy plugins
	@$(GATE) no-noqa scripts/check-no-noqa
	@$(GATE) ansible-test-sanity scripts/sanity

syntax: ## ansible-playbook --syntax-check of every playbook against every inventory
	@$(GATE) syntax scripts/syntax-all $(ENVS)

unit: ## pytest: unit, module and render tests (one worker per core; a test file stays on one worker)
	@$(GATE) pytest pytest -q -n auto --dist loadfile

molecule: ## every molecule scenario on local test hosts (idempotence is a gate)
	@$(GATE) molecule scripts/molecule-all

bench: setup ## benchmarks (not part of test); results in bench/results/
	@scripts/bench-all

build: ## the collection artifact in build/
	ansible-galaxy collection build --force --output-path build/

artifact-check: ## build the collection into build/artifact-check, check it holds no project file, install it fresh, ansible-doc every module, import every plugin
	@scripts/check-artifact --keep build/artifact-check

sanity: ## ansible-test sanity on plugins (needs the collection under ansible_collections/)
	@scripts/sanity

lock: ## regenerate constraints.txt from a fresh venv
	@scripts/lock
