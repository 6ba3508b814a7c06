"""The production Compose stack matches platform spec 1.1-1.5, 2.2 and 6.2.

compose.yaml is read through `docker-compose config`, so the assertions see what Compose
would run (anchors merged, variables filled in) rather than the raw text. The nginx and
Redis files are read as text. Neither a Docker daemon nor a Django database is needed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "compose.yaml"
NGINX_CONF = REPO_ROOT / "deploy" / "nginx" / "default.conf"
REDIS_CONF = REPO_ROOT / "deploy" / "redis" / "redis.conf"

DOCKER_COMPOSE = shutil.which("docker-compose")
needs_compose = pytest.mark.skipif(
    DOCKER_COMPOSE is None,
    reason="docker-compose is not on PATH (install the Debian package `docker-compose`)",
)

# Spec 1.1: (cpus, memory) for limits and for reservations, per container class.
RESOURCE_CLASSES = {
    "infrastructure": {"limits": (1.0, "2G"), "reservations": (0.5, "1G")},
    "large": {"limits": (2.0, "4G"), "reservations": (1.0, "2G")},
    "medium": {"limits": (1.0, "1G"), "reservations": (0.5, "512M")},
    "small": {"limits": (0.5, "512M"), "reservations": (0.25, "256M")},
}
SERVICE_CLASSES = {
    "postgres": "infrastructure",
    "redis": "infrastructure",
    "ollama": "large",
    "web": "medium",
    "ws": "medium",
    "worker": "medium",
    "nginx": "medium",
    "beat": "small",
}
SERVICES = sorted(SERVICE_CLASSES)
APP_SERVICES = ["web", "ws", "worker", "beat"]
APP_SECRETS = {
    "DJANGO_SECRET_KEY_FILE": "django_secret_key",
    "JWT_PRIVATE_KEY_FILE": "jwt_private_key",
    "JWT_PUBLIC_KEY_FILE": "jwt_public_key",
    "API_KEY_SALT_FILE": "api_key_salt",
    "DJANGO_SUPERUSER_PASSWORD_FILE": "django_superuser_password",
    "DATABASE_PASSWORD_FILE": "postgres_password",
}


def run_compose(*args: str, env_file: Path) -> subprocess.CompletedProcess[str]:
    """docker-compose from the repo root, blind to the caller's variables and `.env`.

    Compose fills `${VAR:-default}` from the environment and from `.env`; a developer's own
    values there must not change what these tests see. Missing secret files are fine:
    `config` does not open them.
    """
    assert DOCKER_COMPOSE is not None
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")}
    return subprocess.run(
        [DOCKER_COMPOSE, "--env-file", str(env_file), "-f", str(COMPOSE_FILE), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def empty_env_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("compose") / "empty.env"
    path.write_text("")
    return path


@pytest.fixture(scope="module")
def config(empty_env_file: Path) -> dict[str, Any]:
    if DOCKER_COMPOSE is None:
        pytest.skip("docker-compose is not on PATH (install the Debian package `docker-compose`)")
    result = run_compose("config", env_file=empty_env_file)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = yaml.safe_load(result.stdout)
    return loaded


@pytest.fixture(scope="module")
def services(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The long-running services (one-off jobs behind a profile are checked on their own)."""
    found: dict[str, dict[str, Any]] = {
        name: service for name, service in config["services"].items() if not service.get("profiles")
    }
    return found


def to_bytes(size: str | int) -> int:
    """Compose memory sizes ("512M", "2G", or a byte count) in bytes."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([bkmg]?)i?b?", str(size).strip().lower())
    assert match, f"unreadable size {size!r}"
    number, unit = match.groups()
    return int(float(number) * 1024 ** "bkmg".index(unit or "b"))


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> source (volume name or host path), short or long volume syntax."""
    result = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            result[volume["target"]] = str(volume.get("source", ""))
        else:
            source, target = volume.split(":")[:2]
            result[target] = source
    return result


def healthcheck_command(service: dict[str, Any]) -> str:
    test = service.get("healthcheck", {}).get("test", [])
    return " ".join(test) if isinstance(test, list) else str(test)


def command_text(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


# --- compose.yaml: the file as a whole ----------------------------------------------------------


@needs_compose
def test_compose_file_is_valid(empty_env_file: Path) -> None:
    result = run_compose("config", "-q", env_file=empty_env_file)
    assert result.returncode == 0, result.stderr


def test_compose_file_uses_the_compose_spec_without_a_version_key() -> None:
    raw = yaml.safe_load(COMPOSE_FILE.read_text())
    assert "version" not in raw


def test_stack_runs_exactly_the_platform_services(services: dict[str, Any]) -> None:
    assert sorted(services) == SERVICES


def test_stack_has_a_single_network(config: dict[str, Any]) -> None:
    assert list(config["networks"]) == ["platform_network"]


# --- every service --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_restarts_unless_stopped(services: dict[str, Any], name: str) -> None:
    assert services[name]["restart"] == "unless-stopped"


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_rotates_its_json_logs(services: dict[str, Any], name: str) -> None:
    logging = services[name]["logging"]
    assert logging["driver"] == "json-file"
    assert logging["options"] == {"max-size": "10m", "max-file": "3"}


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_joins_only_the_platform_network(services: dict[str, Any], name: str) -> None:
    assert list(services[name]["networks"]) == ["platform_network"]


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_has_the_spec_resources_of_its_class(services: dict[str, Any], name: str) -> None:
    resources = services[name]["deploy"]["resources"]
    for kind, (cpus, memory) in RESOURCE_CLASSES[SERVICE_CLASSES[name]].items():
        assert float(resources[kind]["cpus"]) == cpus, f"{name} {kind} cpus"
        assert to_bytes(resources[kind]["memory"]) == to_bytes(memory), f"{name} {kind} memory"


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_has_a_healthcheck(services: dict[str, Any], name: str) -> None:
    healthcheck = services[name].get("healthcheck", {})
    assert not healthcheck.get("disable", False)
    assert healthcheck_command(services[name]).strip(), f"{name} has no health check command"


def test_only_nginx_publishes_ports(services: dict[str, Any]) -> None:
    publishing = {name for name, service in services.items() if service.get("ports")}
    assert publishing == {"nginx"}
    targets = {
        int(port["target"]) if isinstance(port, dict) else int(str(port).split(":")[-1])
        for port in services["nginx"]["ports"]
    }
    assert targets == {80}


# --- infrastructure -------------------------------------------------------------------------------


def test_infrastructure_uses_the_spec_images(services: dict[str, Any]) -> None:
    assert services["postgres"]["image"] == "pgvector/pgvector:pg16"
    assert services["redis"]["image"] == "redis:7-alpine"
    for name in ("ollama", "nginx"):
        tag = services[name]["image"].partition(":")[2]
        assert tag not in ("", "latest"), f"{name} image must be pinned"
    assert services["ollama"]["image"].startswith("ollama/ollama:")
    assert services["nginx"]["image"].startswith("nginx:")


def test_postgres_runs_with_the_spec_server_settings(services: dict[str, Any]) -> None:
    postgres = services["postgres"]
    command = command_text(postgres)
    for setting in (
        "max_connections=200",
        "shared_buffers=512MB",
        "effective_cache_size=1536MB",
        "work_mem=16MB",
        "wal_level=replica",
        "max_wal_senders=3",
        "shared_preload_libraries=pg_stat_statements",
    ):
        assert f"-c {setting}" in command
    assert postgres["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    assert "POSTGRES_PASSWORD" not in postgres["environment"]
    assert "pg_isready" in healthcheck_command(postgres)


def test_infrastructure_data_lives_on_named_volumes(services: dict[str, Any], config: dict[str, Any]) -> None:
    assert {"postgres_data", "redis_data", "ollama_models", "backups", "platform_logs"} <= set(config["volumes"])
    assert mounts(services["postgres"])["/var/lib/postgresql/data"] == "postgres_data"
    assert mounts(services["redis"])["/data"] == "redis_data"
    assert mounts(services["ollama"])["/root/.ollama"] == "ollama_models"
    for name in ("postgres", "redis", *APP_SERVICES):
        assert mounts(services[name])["/backups"] == "backups", name


def test_redis_runs_the_mounted_config(services: dict[str, Any]) -> None:
    redis = services["redis"]
    assert command_text(redis) == "redis-server /usr/local/etc/redis/redis.conf"
    source = mounts(redis)["/usr/local/etc/redis/redis.conf"]
    assert Path(source).resolve() == REDIS_CONF
    assert healthcheck_command(redis) == "CMD redis-cli ping"


def test_redis_conf_holds_exactly_the_spec_settings() -> None:
    settings = [
        " ".join(line.split())
        for line in REDIS_CONF.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert sorted(settings) == sorted(
        [
            "maxmemory 2gb",
            "maxmemory-policy allkeys-lru",
            "save 900 1",
            "save 300 10",
            "save 60 10000",
            "appendonly yes",
            "appendfsync everysec",
            "dir /data",
        ]
    )


def test_ollama_healthcheck_probes_api_tags_on_the_spec_schedule(services: dict[str, Any]) -> None:
    healthcheck = services["ollama"]["healthcheck"]
    assert (healthcheck["interval"], healthcheck["timeout"], healthcheck["retries"]) == ("30s", "10s", 3)
    command = healthcheck_command(services["ollama"])
    # The image has no curl; `ollama list` is a client of GET /api/tags, and the compose file
    # has to say so next to the check.
    assert "api/tags" in command or (command == "CMD ollama list" and "/api/tags" in COMPOSE_FILE.read_text())


def test_an_init_job_pulls_the_model_of_every_use_case(config: dict[str, Any]) -> None:
    job = config["services"]["ollama-init"]
    assert job["profiles"] == ["init"]  # run on demand: docker compose --profile init run --rm ollama-init
    assert job["depends_on"]["ollama"]["condition"] == "service_healthy"
    assert job["environment"]["OLLAMA_HOST"] == "http://ollama:11434"
    assert job["environment"]["MODELS"].split() == ["llama2:7b", "mistral:7b", "codellama:7b", "nomic-embed-text"]
    assert "ollama pull" in command_text(job)
    assert list(job["networks"]) == ["platform_network"]
    assert job["logging"]["options"] == {"max-size": "10m", "max-file": "3"}


def test_ollama_gpu_stanza_is_documented() -> None:
    text = COMPOSE_FILE.read_text()
    assert re.search(r"#\s*devices:", text)
    assert re.search(r"#\s*-\s*driver:\s*nvidia", text)


# --- the application ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_share_the_image_and_settings(services: dict[str, Any], name: str) -> None:
    service = services[name]
    assert service["image"] == "storyportal:latest"
    assert Path(service["build"]["context"]).resolve() == REPO_ROOT
    env = service["environment"]
    assert env["DJANGO_SETTINGS_MODULE"] == "storyportal.settings.prod"
    assert env["DATABASE_URL"] == "postgres://storyportal@postgres:5432/storyportal"
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["OLLAMA_URL"] == "http://ollama:11434"
    assert "127.0.0.1" in env["ALLOWED_HOSTS"].split(",")
    assert mounts(service)["/var/log/platform"] == "platform_logs"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_read_secrets_from_files_only(services: dict[str, Any], name: str) -> None:
    service = services[name]
    env = service["environment"]
    granted = {secret["source"] if isinstance(secret, dict) else secret for secret in service["secrets"]}
    for variable, secret in APP_SECRETS.items():
        assert env[variable] == f"/run/secrets/{secret}"
        assert secret in granted
        assert variable.removesuffix("_FILE") not in env, "a secret value must not sit in the environment"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_postgres_and_redis(services: dict[str, Any], name: str) -> None:
    depends_on = services[name]["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", ["ws", "worker", "beat"])
def test_other_app_services_wait_for_web_to_finish_migrating(services: dict[str, Any], name: str) -> None:
    assert services[name]["depends_on"]["web"]["condition"] == "service_healthy"


def test_secrets_come_from_files_in_the_ignored_secrets_directory(config: dict[str, Any]) -> None:
    assert set(APP_SECRETS.values()) <= set(config["secrets"])
    for secret in config["secrets"].values():
        assert Path(secret["file"]).resolve().parent == REPO_ROOT / "secrets"
    assert (REPO_ROOT / "secrets" / ".gitignore").read_text().split() == ["*", "!README.md", "!.gitignore"]


def test_web_migrates_then_serves_http_with_gunicorn(services: dict[str, Any]) -> None:
    web = services["web"]
    command = command_text(web)
    steps = [
        "python manage.py migrate --noinput",
        "python manage.py ensure_admin",
        "gunicorn storyportal.wsgi:application --bind 0.0.0.0:8000 --workers 2",
    ]
    positions = [command.find(step) for step in steps]
    assert -1 not in positions, command
    assert positions == sorted(positions), command
    assert "http://127.0.0.1:8000/health/live" in healthcheck_command(web)
    assert "python" in healthcheck_command(web)


def test_ws_serves_websockets_with_daphne(services: dict[str, Any]) -> None:
    assert command_text(services["ws"]) == "daphne -b 0.0.0.0 -p 8001 storyportal.asgi:application"


def test_celery_runs_a_worker_and_the_database_beat_scheduler(services: dict[str, Any]) -> None:
    assert command_text(services["worker"]).startswith("celery -A storyportal worker --loglevel=INFO --concurrency=2")
    beat = command_text(services["beat"])
    assert beat.startswith("celery -A storyportal beat --loglevel=INFO")
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat


# --- nginx ----------------------------------------------------------------------------------------


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = field(default=None)

    def find(self, name: str, *args: str) -> list[Directive]:
        return [d for d in self.block or [] if d.name == name and d.args[: len(args)] == list(args)]

    def one(self, name: str, *args: str) -> Directive:
        found = self.find(name, *args)
        assert len(found) == 1, f"expected one `{name} {' '.join(args)}`, found {len(found)}"
        return found[0]

    def values(self, name: str) -> list[str]:
        return [" ".join(d.args) for d in self.find(name)]


def nginx_tokens(text: str) -> list[str]:
    """Words, quoted strings (unquoted) and the punctuation `{ } ;`, without comments."""
    tokens = []
    for match in re.finditer(r"#[^\n]*|'((?:\\.|[^'])*)'|\"((?:\\.|[^\"])*)\"|([{};])|([^\s{};'\"#]+)", text):
        if match.group(0).startswith("#"):
            continue
        tokens.append(next(group for group in match.groups() if group is not None))
    return tokens


def parse_nginx(text: str) -> Directive:
    root = Directive("", [], [])
    stack = [root]
    current: list[str] = []
    for token in nginx_tokens(text):
        if token == ";":
            stack[-1].block.append(Directive(current[0], current[1:]))  # type: ignore[union-attr]
            current = []
        elif token == "{":
            directive = Directive(current[0], current[1:], [])
            stack[-1].block.append(directive)  # type: ignore[union-attr]
            stack.append(directive)
            current = []
        elif token == "}":
            stack.pop()
        else:
            current.append(token)
    assert len(stack) == 1, "unbalanced braces in the nginx config"
    assert not current, "the nginx config ends in an unterminated directive"
    return root


@pytest.fixture(scope="module")
def nginx() -> Directive:
    return parse_nginx(NGINX_CONF.read_text())


@pytest.fixture(scope="module")
def public_server(nginx: Directive) -> Directive:
    servers = [s for s in nginx.find("server") if any(v.split()[0] == "80" for v in s.values("listen"))]
    assert len(servers) == 1, "expected one server listening on port 80"
    return servers[0]


def upstream_servers(nginx: Directive, proxy_pass: str) -> tuple[list[str], Directive]:
    name = re.sub(r"^https?://", "", proxy_pass).split("/")[0]
    upstream = nginx.one("upstream", name)
    return upstream.values("server"), upstream


def test_nginx_config_is_mounted_into_the_proxy(services: dict[str, Any]) -> None:
    source = mounts(services["nginx"])["/etc/nginx/conf.d/default.conf"]
    assert Path(source).resolve() == NGINX_CONF


def test_nginx_routes_websockets_to_daphne_with_upgrade_headers(nginx: Directive, public_server: Directive) -> None:
    ws = public_server.one("location", "/ws/")
    servers, _ = upstream_servers(nginx, ws.values("proxy_pass")[0])
    assert [s.split()[0] for s in servers] == ["ws:8001"]
    headers = ws.values("proxy_set_header")
    assert "Upgrade $http_upgrade" in headers
    assert "Connection $connection_upgrade" in headers or "Connection upgrade" in headers
    assert ws.values("proxy_http_version") == ["1.1"]
    assert ws.values("proxy_read_timeout") == ["7d"]
    assert ws.values("proxy_send_timeout") == ["7d"]
    upgrade_map = nginx.one("map", "$http_upgrade", "$connection_upgrade")
    assert upgrade_map.one("default").args == ["upgrade"]


def test_nginx_sends_everything_else_to_gunicorn(nginx: Directive, public_server: Directive) -> None:
    root = public_server.one("location", "/")
    servers, _ = upstream_servers(nginx, root.values("proxy_pass")[0])
    assert [s.split()[0] for s in servers] == ["web:8000"]
    # /static/ included: whitenoise serves it from the app, nginx has no root of its own.
    assert not public_server.find("root")
    assert not root.find("root")


def test_nginx_upstreams_keep_connections_alive(nginx: Directive) -> None:
    for upstream in nginx.find("upstream"):
        assert upstream.values("keepalive"), upstream.args


def test_nginx_health_asks_the_app_instead_of_answering_itself(nginx: Directive, public_server: Directive) -> None:
    health = public_server.one("location", "=", "/health")
    assert not health.find("return")
    (target,) = health.values("proxy_pass")
    assert target.endswith("/health/live")
    servers, _ = upstream_servers(nginx, target)
    assert [s.split()[0] for s in servers] == ["web:8000"]


def test_nginx_caps_request_bodies_at_10m(public_server: Directive) -> None:
    assert public_server.values("client_max_body_size") == ["10m"]


def test_nginx_sends_the_security_headers(public_server: Directive) -> None:
    headers = public_server.values("add_header")
    for expected in (
        "X-Frame-Options DENY always",
        "X-Content-Type-Options nosniff always",
        "Referrer-Policy same-origin always",
    ):
        assert expected in headers


def test_nginx_compresses_responses(public_server: Directive) -> None:
    assert public_server.values("gzip") == ["on"]
    assert "application/json" in " ".join(public_server.values("gzip_types")).split()


def test_nginx_answers_its_own_errors_in_json(public_server: Directive) -> None:
    for code in ("413", "502", "504"):
        pages = [d.args for d in public_server.find("error_page") if code in d.args]
        assert pages, f"no error_page for {code}"
        named = public_server.one("location", pages[0][-1])
        assert named.values("default_type") == ["application/json"]
        assert '"error":' in named.values("return")[0]


def test_nginx_accepts_the_config(tmp_path: Path) -> None:
    binary = shutil.which("nginx")
    if binary is None:
        pytest.skip("nginx is not on PATH; the config's content is still checked above")
    # Outside Docker the service names do not resolve and `nginx -t` would reject them, so
    # the upstream hosts become loopback addresses, which take no `resolve` parameter (that
    # parameter also needs nginx 1.27.3, newer than Debian's).
    text = re.sub(r"server (?:web|ws):(\d+) resolve;", r"server 127.0.0.1:\1;", NGINX_CONF.read_text())
    text = text.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "default.conf").write_text(text)
    temp_paths = "\n".join(
        f"    {kind}_temp_path {tmp_path}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    wrapper = tmp_path / "nginx.conf"
    wrapper.write_text(
        f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{\n{temp_paths}\n    include {tmp_path}/default.conf;\n}}\n"
    )
    result = subprocess.run(
        [binary, "-t", "-q", "-p", f"{tmp_path}/", "-e", str(tmp_path / "error.log"), "-c", str(wrapper)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
