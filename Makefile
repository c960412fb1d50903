# routeyard: two commands on a fresh clone.
#   make demo  -- installs what it needs, runs the reconciler against a local AWS emulator
#   make test  -- installs what it needs, type-checks, lints, runs unit + integration suites
SHELL := /bin/bash
.DEFAULT_GOAL := help

# npm's own node_modules/.bin holds the pinned Node 24 (the `node` devDependency); put it
# first so every recipe runs on it rather than on the machine's Node 20.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

PYTHON ?= python3
VENV := .venv
MOTO := $(VENV)/bin/moto_server
export ROUTEYARD_MOTO_SERVER := $(CURDIR)/$(MOTO)

.PHONY: help install system-tools bench-scale bench-event-repair bench-daemon bench-domains bench-verification bench-import build schema docs check-schema typecheck lint test test-unit test-integration test-deploy synth demo bench clean

help:
	@echo "make demo   converge the example RouteSet on a local AWS emulator (moto) twice, hand a service to ECS deployments, then run the controller and watch it repair drift"
	@echo "make test   type-check, lint, unit and integration tests"
	@echo "make bench  benchmarks that print figures"
	@echo "make synth  synthesize the CDK app in deploy/ offline (deploy/cdk.out)"
	@echo "make docs   rewrite the generated tables in docs/ (flags, metrics, document fields)"

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The CDK app in deploy/ has its own package.json (aws-cdk-lib, cdk-nag and the CDK CLI stay
# out of the image's dependencies).
DEPLOY_MODULES := deploy/node_modules/.installed
$(DEPLOY_MODULES): deploy/package.json deploy/package-lock.json
	npm ci --prefix deploy --no-audit --no-fund --loglevel=error
	@touch $@

# cfn-lint and checkov, pinned, in a venv of their own (moto pulls its own cfn-lint).
IAC_VENV := .venv-iac
IAC := $(IAC_VENV)/bin/checkov
$(IAC): requirements-iac.txt
	$(PYTHON) -m venv $(IAC_VENV)
	$(IAC_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-iac.txt
	@touch $@

$(MOTO): requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-test.txt
	@touch $@

# Debian's chromium (driven by playwright-core in the dashboard test; never a browser
# download) and promtool (package prometheus) for `promtool check metrics`. Installed only
# when missing; apt needs root (sudo when not root).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system-tools:
	@command -v chromium >/dev/null && command -v promtool >/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium prometheus >/dev/null; }

install: node_modules/.installed $(MOTO) $(DEPLOY_MODULES) $(IAC)

build: node_modules/.installed
	npm run --silent build

typecheck: node_modules/.installed $(DEPLOY_MODULES)
	npm run --silent typecheck

lint: node_modules/.installed $(DEPLOY_MODULES)
	npm run --silent lint

# The schemas, then the pages generated from them and from the code (docs/: the flag table,
# the metrics, the document's field reference). Tests fail when any of them is stale.
schema: build
	node dist/desired/write-schema.js
	node dist/run/write-openapi.js
	node dist/docs/write-docs.js

docs: build
	node dist/docs/write-docs.js

test-unit: node_modules/.installed
	npx vitest run --project unit

test-integration: install system-tools build
	npx vitest run --project integration

test-deploy: install
	npx vitest run --project deploy

# Synthesize the three stacks into deploy/cdk.out, offline (cdk.context.json holds the lookups).
synth: $(DEPLOY_MODULES)
	cd deploy && npx cdk synth --no-lookups --no-notices

test: install system-tools build typecheck lint
	npx vitest run --reporter=default --reporter=json --outputFile=.vitest-results.json
	@node -e 'const r=require("./.vitest-results.json");console.log("vitest: "+r.numPassedTests+" passed, "+r.numFailedTests+" failed"+(r.numPendingTests?", "+r.numPendingTests+" skipped":""))'

# The demo needs node's packages and moto only (not the CDK app's packages or the scanners).
demo: node_modules/.installed $(MOTO) build
	node demo/demo.ts

bench: install build
	node --expose-gc bench/run.ts
	node bench/daemon.ts
	node bench/domains.ts
	node bench/verification.ts
	node bench/import.ts

bench-import: install build
	node bench/import.ts

bench-verification: install build
	node bench/verification.ts

bench-domains: install build
	node bench/domains.ts

bench-daemon: install build
	node bench/daemon.ts

# Seconds from an event on the queue to the repair, with the verify budget binding
# (docs/detection.md). Not part of `make bench`: about 10 minutes.
# `BENCH_VERIFY_WITHIN=60s node bench/event-repair.ts 500` for one size.
bench-event-repair: install build
	BENCH_VERIFY_WITHIN=60s BENCH_REPEATS=10 node bench/event-repair.ts 30 90 150 500

# About 25 minutes: an hour-equivalent of steady passes at 100, 500 and 1,000 services against
# moto (not part of `make bench`). `node bench/scale.ts --sizes 1000 --passes 300` for hours.
bench-scale: install build
	node bench/scale.ts

clean:
	rm -rf dist node_modules $(VENV) $(IAC_VENV) deploy/node_modules deploy/cdk.out
