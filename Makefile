.PHONY: run test lint fmt bench

run:
	scripts/run.sh

test:
	scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

fmt:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

bench:
	scripts/install.sh bench
	KEEP_SERVICES= scripts/test.sh -m bench -p no:cacheprovider --ds=tests.bench.settings tests/bench
