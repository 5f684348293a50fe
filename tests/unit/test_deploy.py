"""The compose file and Dockerfile agree with the code (no Docker engine runs here)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import jsonschema
import pytest
import yaml

from shared.settings import Settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
APP_SERVICES = ("ingest", "enrich", "stories", "store", "api")
# ${VAR}, ${VAR:-default}, ${VAR:?message}
_VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def _compose() -> dict[str, Any]:
    # safe_load resolves the `<<:` merge keys, as Compose does.
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


def _settings_env_names() -> dict[str, str]:
    """Env var name → Settings field name, from the model itself (no list kept here)."""
    return {name.upper(): name for name in Settings.model_fields}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No setting from the developer's environment or a stray `.env` leaks into Settings()."""
    for name in _settings_env_names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(DEPLOY)
    return monkeypatch


# --- settings: the compose file sets only what Settings reads ----------------------------


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_environment_is_made_of_real_settings(service: str) -> None:
    environment = _compose()["services"][service]["environment"]
    unknown = set(environment) - set(_settings_env_names())
    assert not unknown, f"{service} sets variables no setting reads: {sorted(unknown)}"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_environment_values_are_accepted_by_settings(
    service: str, clean_env: pytest.MonkeyPatch
) -> None:
    env = _example_env()
    for name, value in _compose()["services"][service]["environment"].items():
        clean_env.setenv(name, _interpolate(str(value), env))
    settings = Settings()
    assert settings.redis_url is not None
    assert settings.redis_url.startswith("redis://redis:")


def test_compose_defaults_are_the_settings_defaults(clean_env: pytest.MonkeyPatch) -> None:
    # `${NAME:-value}` repeats a Settings default; it must not drift from the code's.
    text = (DEPLOY / "docker-compose.yml").read_text()
    fields = _settings_env_names()
    defaults = {m.group(1): m.group(3) for m in _VARIABLE.finditer(text) if m.group(2) == "-"}
    checked = {name: value for name, value in defaults.items() if name in fields}
    assert checked
    for name, value in checked.items():
        field = fields[name]
        clean_env.setenv(name, value)
        parsed = getattr(Settings(), field)
        clean_env.delenv(name)
        assert parsed == Settings.model_fields[field].get_default(call_default_factory=True), name


def test_every_required_variable_is_in_the_env_example() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text()
    required = {m.group(1) for m in _VARIABLE.finditer(text) if m.group(2) == "?"}
    assert required
    assert required <= set(_example_env())


def test_env_example_lists_only_variables_the_compose_file_reads() -> None:
    used = {m.group(1) for m in _VARIABLE.finditer((DEPLOY / "docker-compose.yml").read_text())}
    assert set(_example_env()) <= used


@pytest.mark.parametrize("service", ["store", "api"])
def test_store_and_api_use_the_compose_postgres(service: str) -> None:
    url = _compose()["services"][service]["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql://")
    assert "@postgres:5432/" in url


def test_every_app_service_uses_the_compose_redis() -> None:
    services = _compose()["services"]
    for service in APP_SERVICES:
        assert services[service]["environment"]["REDIS_URL"].startswith("redis://redis:6379/")


def test_scalable_services_do_not_pin_names() -> None:
    # CONSUMER_NAME defaults to hostname+pid, so `--scale enrich=3` gives each replica its own.
    services = _compose()["services"]
    for service in APP_SERVICES:
        assert "container_name" not in services[service]
        assert "CONSUMER_NAME" not in services[service]["environment"]


# --- commands: each names a real entry point and real files ------------------------------


@pytest.mark.parametrize("service", APP_SERVICES)
def test_commands_start_real_service_modules(service: str) -> None:
    command = _compose()["services"][service]["command"]
    assert command[:2] == ["python", "-m"]
    module = command[2]
    assert module == f"services.{service}"
    assert (ROOT / module.replace(".", "/") / "__main__.py").is_file(), module


def test_ingest_replays_a_folder_that_is_in_the_image() -> None:
    command = _compose()["services"]["ingest"]["command"]
    assert command[3] == "replay"
    folder = command[4]
    assert (ROOT / folder).is_dir()
    assert any((ROOT / folder).iterdir())
    copied = [args[0] for keyword, args in _final_stage().instructions if keyword == "COPY"]
    assert folder.rstrip("/") in {source.rstrip("/") for source in copied}


def test_image_default_command_is_a_real_service_module() -> None:
    cmd = [args for keyword, args in _final_stage().instructions if keyword == "CMD"]
    assert cmd
    command = json.loads(" ".join(cmd[-1]))
    assert command[:2] == ["python", "-m"]
    assert (ROOT / command[2].replace(".", "/") / "__main__.py").is_file()


# --- health and ordering -------------------------------------------------------------------


def test_redis_keeps_an_append_only_file_on_a_volume() -> None:
    redis = _compose()["services"]["redis"]
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert any(volume.endswith(":/data") for volume in redis["volumes"])
    assert "redis-cli" in redis["healthcheck"]["test"]
    assert "ping" in redis["healthcheck"]["test"]


def test_postgres_has_a_healthcheck_and_a_volume() -> None:
    postgres = _compose()["services"]["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert postgres["volumes"]


def test_every_service_is_checked_or_waits_for_healthy_dependencies() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        if "healthcheck" not in service:
            assert depends_on, f"{name} has neither a healthcheck nor dependencies"
        for dependency, condition in depends_on.items():
            assert condition == {"condition": "service_healthy"}, (name, dependency)
            assert "healthcheck" in services[dependency], (name, dependency)


@pytest.mark.parametrize(
    ("service", "needs"),
    [
        ("ingest", {"redis"}),
        ("enrich", {"redis"}),
        ("store", {"redis", "postgres"}),
        ("api", {"postgres"}),
    ],
)
def test_services_wait_for_what_they_use(service: str, needs: set[str]) -> None:
    assert set(_compose()["services"][service]["depends_on"]) == needs


def test_the_seed_replay_runs_only_when_asked_for() -> None:
    # Under a profile: `up` (and `up --scale …`) leaves it alone; `--profile seed run` runs it.
    services = _compose()["services"]
    assert services["ingest"]["profiles"] == ["seed"]
    assert [name for name, service in services.items() if "profiles" in service] == ["ingest"]
    readme = (ROOT / "README.md").read_text()
    assert "--profile seed run --rm ingest" in readme


def test_restart_policies() -> None:
    # ingest replays once and exits: restarting it would publish the seeds again.
    services = _compose()["services"]
    assert services["ingest"]["restart"] == "no"
    assert services["enrich"]["restart"] == "unless-stopped"
    assert services["store"]["restart"] == "unless-stopped"


def test_server_images_are_pinned() -> None:
    for name in ("redis", "postgres"):
        _, _, tag = _compose()["services"][name]["image"].partition(":")
        assert re.match(r"\d+\.\d+", tag), f"{name} image is not pinned to a release"


def test_compose_file_follows_the_compose_specification() -> None:
    # check-jsonschema (a pinned dev dependency) ships the compose-spec JSON schema.
    schema_file = files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    schema = json.loads(schema_file.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(_compose())]
    assert not errors, errors


# --- Dockerfile ----------------------------------------------------------------------------


@dataclass
class _Stage:
    base: str
    instructions: list[tuple[str, list[str]]]


def _dockerfile_stages() -> list[_Stage]:
    """The Dockerfile's stages: instructions split into keyword and words, ARGs in FROM expanded."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    args: dict[str, str] = {}
    stages: list[_Stage] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        keyword, *words = line.split()
        keyword = keyword.upper()
        if keyword == "FROM":
            base = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), ""), words[0])
            stages.append(_Stage(base, []))
        elif not stages and keyword == "ARG":
            name, _, default = words[0].partition("=")
            args[name] = default
        elif stages:
            stages[-1].instructions.append((keyword, words))
    return stages


def _final_stage() -> _Stage:
    return _dockerfile_stages()[-1]


def test_dockerfile_is_multi_stage_on_python_3_11_slim() -> None:
    stages = _dockerfile_stages()
    assert len(stages) >= 2
    assert {stage.base for stage in stages} == {"python:3.11-slim"}


def test_build_stage_installs_the_project_and_the_final_stage_takes_its_venv() -> None:
    build, final = _dockerfile_stages()[0], _final_stage()
    assert any(k == "RUN" and "pip install ." in " ".join(a) for k, a in build.instructions)
    assert any(k == "COPY" and a[0].startswith("--from=") for k, a in final.instructions)


def test_image_runs_as_a_non_root_user() -> None:
    users = [args[0] for keyword, args in _final_stage().instructions if keyword == "USER"]
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_build_context_paths_exist() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    for stage in _dockerfile_stages():
        for keyword, args in stage.instructions:
            if keyword != "COPY" or args[0].startswith("--"):
                continue
            for source in args[:-1]:
                assert (ROOT / source).exists(), source
                assert source.rstrip("/") not in ignored, f"{source} is in .dockerignore"


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", ".git", "var", "**/__pycache__", ".env", "deploy/.env"} <= ignored


@pytest.mark.parametrize("name", ["enrich", "store", "feeds"])
def test_long_running_services_are_checked_on_their_readiness_endpoint(name: str) -> None:
    service = _compose()["services"][name]
    test = " ".join(service["healthcheck"]["test"])
    port = service["environment"]["HEALTH_PORT"]
    assert f"127.0.0.1:{port}/readyz" in test
    assert Settings(health_port=port).health_port == port


def test_api_is_checked_on_its_readiness_endpoint_and_published_on_loopback() -> None:
    api = _compose()["services"]["api"]
    port = api["environment"]["API_PORT"]
    assert f"127.0.0.1:{port}/readyz" in " ".join(api["healthcheck"]["test"])
    assert api["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert Settings(api_port=port).api_port == port


def test_image_serves_health_endpoints_beyond_loopback(clean_env: pytest.MonkeyPatch) -> None:
    # Outside a container they listen on loopback only; inside, probes come from outside.
    assert Settings().health_host == "127.0.0.1"
    env = dict(
        word.split("=", 1)
        for keyword, words in _final_stage().instructions
        if keyword == "ENV"
        for word in words
    )
    assert env["HEALTH_HOST"] == "0.0.0.0"
    assert Settings(health_host=env["HEALTH_HOST"]).health_host == "0.0.0.0"
    assert Settings().api_host == "127.0.0.1"
    assert Settings(api_host=env["API_HOST"]).api_host == "0.0.0.0"
