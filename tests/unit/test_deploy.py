"""The compose file and Dockerfile agree with the code (no Docker engine runs here)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from shared.settings import Settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
APP_SERVICES = ("ingest", "enrich", "store")
# ${VAR}, ${VAR:-default}, ${VAR:?message}
_VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return loaded


def _example_env() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in (DEPLOY / ".env.example").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    return {name.strip(): value.strip() for name, value in pairs}


def _interpolate(value: str, env: dict[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if name in env:
            return env[name]
        if kind == "-":
            return rest
        pytest.fail(f"${{{name}}} is required by the compose file but not in .env.example")

    return _VARIABLE.sub(substitute, value)


def _settings_env_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_environment_is_made_of_real_settings(service: str) -> None:
    environment = _compose()["services"][service]["environment"]
    unknown = set(environment) - _settings_env_names()
    assert not unknown, f"{service} sets variables no setting reads: {sorted(unknown)}"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_environment_values_are_accepted_by_settings(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _example_env()
    for name in _settings_env_names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(DEPLOY)  # no stray .env from the working directory
    values = {
        name: _interpolate(str(value), env)
        for name, value in _compose()["services"][service]["environment"].items()
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.redis_url is not None
    assert settings.redis_url.startswith("redis://redis:")


def test_every_required_variable_is_in_the_env_example() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text()
    required = {m.group(1) for m in _VARIABLE.finditer(text) if m.group(2) == "?"}
    assert required
    assert required <= set(_example_env())


@pytest.mark.parametrize("service", APP_SERVICES)
def test_commands_start_real_service_modules(service: str) -> None:
    command = _compose()["services"][service]["command"]
    assert command[:2] == ["python", "-m"]
    module = command[2]
    assert module == f"services.{service}"
    assert (ROOT / module.replace(".", "/") / "__main__.py").is_file()


def test_ingest_replays_a_folder_that_is_in_the_image() -> None:
    command = _compose()["services"]["ingest"]["command"]
    assert command[3] == "replay"
    assert (ROOT / command[4]).is_dir()
    assert re.search(rf"^COPY {command[4].rstrip('/')}\b", _dockerfile(), re.MULTILINE)


def test_redis_keeps_an_append_only_file_and_has_a_healthcheck() -> None:
    redis = _compose()["services"]["redis"]
    assert "--appendonly" in redis["command"]
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert redis["healthcheck"]["test"]
    assert redis["image"].split(":")[1][0].isdigit()  # a pinned version, not "latest"


def test_postgres_has_a_healthcheck_and_a_volume() -> None:
    postgres = _compose()["services"]["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert postgres["volumes"]


@pytest.mark.parametrize(
    ("service", "needs"),
    [("ingest", {"redis"}), ("enrich", {"redis"}), ("store", {"redis", "postgres"})],
)
def test_services_wait_for_healthy_dependencies(service: str, needs: set[str]) -> None:
    services = _compose()["services"]
    depends_on = services[service]["depends_on"]
    assert set(depends_on) == needs
    for dependency in needs:
        assert depends_on[dependency]["condition"] == "service_healthy"
        assert "healthcheck" in services[dependency]


def test_store_uses_the_compose_postgres() -> None:
    url = _compose()["services"]["store"]["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql://")
    assert "@postgres:5432/" in url


def test_scalable_services_do_not_pin_names() -> None:
    services = _compose()["services"]
    for service in APP_SERVICES:
        assert "container_name" not in services[service]
        assert "CONSUMER_NAME" not in services[service]["environment"]


def _dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text()


def test_image_runs_as_a_non_root_user_and_installs_the_project() -> None:
    users = re.findall(r"^USER\s+(\S+)", _dockerfile(), re.MULTILINE)
    assert users
    assert users[-1] not in {"root", "0"}
    assert "pip install ." in _dockerfile()


def test_build_context_paths_exist() -> None:
    for source in re.findall(r"^COPY (?!--from)(\S+)", _dockerfile(), re.MULTILINE):
        assert (ROOT / source).exists(), source


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", ".git", "var"} <= ignored
