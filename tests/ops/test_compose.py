"""The deployment files: docker-compose.yml is valid for Compose (Debian's docker-compose, without a Docker engine)
and for the Compose specification's JSON schema, and has the shape docs/operations.md promises; the Dockerfile builds a
non-root image from locked versions. Nothing here needs a Docker engine."""

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.support.live import VENV_BIN, unavailable

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
PORTAL_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), split at each FROM."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    stages: list[list[str]] = [[]]
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def test_docker_compose_accepts_the_file():
    binary = shutil.which("docker-compose")
    if binary is None:
        unavailable("docker-compose is not installed (apt-get install docker-compose)")

    result = subprocess.run(
        [binary, "--env-file", ".env.example", "config", "-q"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr


def test_the_file_matches_the_compose_specification_schema():
    result = subprocess.run(
        [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_web_worker_beat_and_migrate_share_one_image_and_one_environment(services):
    images = {(services[name]["image"], services[name]["build"]) for name in PORTAL_SERVICES}
    environments = [
        {key: value for key, value in services[name]["environment"].items() if key != "LOAD_DEMO"}
        for name in PORTAL_SERVICES
    ]

    assert images == {("taskforce-portal:latest", ".")}
    assert all(environment == environments[0] for environment in environments)
    assert "<<: *portal-env" in COMPOSE.read_text()


def test_every_long_running_service_has_a_health_check(services):
    for name, service in services.items():
        if name == "migrate":
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_web_worker_and_beat_start_after_a_healthy_database_and_the_one_migration_step(services):
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert "migrate" not in " ".join(services[name].get("command", [])), f"{name} must not migrate"
    assert "manage.py migrate" in " ".join(services["migrate"]["command"])
    assert services["migrate"]["restart"] == "no"


def test_the_demo_is_loaded_only_when_asked(services):
    command = " ".join(services["migrate"]["command"])

    assert services["migrate"]["environment"]["LOAD_DEMO"] == "${LOAD_DEMO:-0}"
    assert 'if [ "$${LOAD_DEMO:-0}" = 1 ]; then python manage.py load_demo' in command


def test_web_and_worker_can_be_scaled_and_beat_cannot(services):
    # A published host port would make a second web replica fail to start: the proxy reaches them all.
    assert "ports" not in services["web"] and "ports" not in services["worker"]
    assert services["beat"]["deploy"]["replicas"] == 1
    media = "media:/var/lib/taskforce/media"
    assert all(media in services[name]["volumes"] for name in PORTAL_SERVICES)
    environment = services["web"]["environment"]
    assert environment["REDIS_URL"].startswith("redis://")
    assert environment["NUM_PROXIES"] == "${NUM_PROXIES:-1}"


def test_the_proxy_balances_over_every_web_replica(services):
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()

    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    assert re.search(r"dynamic a \{\s*name web\s*port 8000", caddyfile)
    assert services["web"]["expose"] == ["8000"]
    assert "${HTTP_PORT:-8000}:80" in services["proxy"]["ports"]


def test_the_database_keeps_its_data_in_a_named_volume(compose, services):
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "pgdata" in compose["volumes"]


def test_the_image_runs_as_an_unprivileged_user():
    final = dockerfile_stages()[-1]
    users = [line.split(None, 1)[1].strip() for line in final if line.upper().startswith("USER ")]

    assert users, "the final stage sets no USER"
    assert users[-1] not in ("root", "0", "0:0")
    assert any(line.upper().startswith("HEALTHCHECK ") for line in final)
    assert not any(line.upper().startswith("ADD ") for line in final)


def test_the_image_installs_the_locked_versions_and_the_database_servers_client():
    text = "\n".join(" ".join(stage) for stage in dockerfile_stages())
    postgres_image = yaml.safe_load(COMPOSE.read_text())["services"]["postgres"]["image"]

    assert "pip install --constraint requirements.lock ." in text
    assert re.search(r"ARG PG_MAJOR=(\d+)", text)[1] == re.match(r"postgres:(\d+)", postgres_image)[1]


def test_the_lock_pins_every_dependency_at_the_version_of_pyproject():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lock = (ROOT / "requirements.lock").read_text().splitlines()
    locked = dict(line.split("==") for line in lock if line and not line.startswith("#"))

    for dependency in dependencies:
        name, version = re.match(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)", dependency).groups()
        assert locked.get(re.sub(r"[-_.]+", "-", name).lower()) == version, f"{name}: run `make lock`"


def test_the_build_context_leaves_out_secrets_and_local_state():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()

    assert {".env", ".venv", "var", ".git"} <= set(ignored)
