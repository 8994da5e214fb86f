# Developer tasks. `just` lists them. Everything but `test` and `image` uses the venv made by `just venv`.
# No `set dotenv-load`: the daemon reads .env itself, and tests must not pick up a DATABASE_URL from it.

python := "python3"
venv := ".venv/bin"

# List the recipes.
default:
    @{{ just_executable() }} --list --unsorted

# Make .venv with the project installed editable, plus the dev tools.
venv:
    {{ python }} -m venv .venv
    {{ venv }}/pip install --upgrade pip
    {{ venv }}/pip install -e '.[dev]'

# Exactly what CI runs: a fresh venv, the tests, ruff and mypy.
test:
    bash .ci/run

# The tests in .venv, stopping at the first failure; pass pytest arguments, e.g. `just test-fast tests/unit`.
test-fast *args:
    {{ venv }}/pytest -x -q {{ args }}

# Ruff, formatting and mypy, without changing anything.
lint:
    {{ venv }}/ruff check .
    {{ venv }}/ruff format --check .
    {{ venv }}/mypy
    {{ venv }}/lint-imports

# Format and apply ruff's safe fixes.
fmt:
    {{ venv }}/ruff format .
    {{ venv }}/ruff check --fix .

# Play a scripted incident against the local fake Slack and an embedded database.
demo:
    {{ venv }}/incidentbot demo

# Start the local fake Slack, to point SLACK_API_URL at.
sandbox:
    {{ venv }}/incidentbot sandbox

# Run the daemon with the settings from the environment and .env.
run:
    {{ venv }}/incidentbot run

# Apply pending database migrations and exit.
migrate:
    {{ venv }}/incidentbot migrate

# Print the acknowledgement-latency figures.
bench:
    {{ venv }}/python bench/ack_latency.py

# Build the container image with podman, or docker if there is no podman.
image tag="incidentbot:latest":
    #!/usr/bin/env sh
    set -eu
    if command -v podman >/dev/null 2>&1; then
        # OCI images drop HEALTHCHECK; the docker format keeps it.
        podman build --format docker -f Containerfile -t {{ tag }} .
    else
        docker build -f Containerfile -t {{ tag }} .
    fi
