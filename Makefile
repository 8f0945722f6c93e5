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
	KEEP_SERVICES= scripts/test.sh -m bench -p no:cacheprovider tests/bench
