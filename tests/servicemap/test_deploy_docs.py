"""docs/deploy.md and deploy/ stay true: every command and variable they name exists."""

from __future__ import annotations

import fnmatch
import gc
import os
import re
import runpy
import subprocess
import sys
import time
import weakref
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

import pytest
from django.conf import settings
from django.core.management import get_commands

from servicemap.settings import BASE_DIR
from tests.network import free_port

DOCS = (BASE_DIR / "docs" / "deploy.md").read_text()
CRONTAB = (BASE_DIR / "deploy" / "crontab").read_text()
ENV_EXAMPLE = (BASE_DIR / ".env.example").read_text()


def test_every_management_command_the_docs_and_crontab_run_exists():
    named = set(re.findall(r"manage\.py (\w+)", DOCS + CRONTAB))
    assert {"send_review_requests", "prune_personal_data", "take_gaps_snapshot", "restore_export", "migrate"} <= named
    assert named - set(get_commands()) == set()


def test_every_setting_the_docs_tell_operators_to_set_is_read_by_the_settings():
    outside_the_crontab = re.sub(r"```cron\n.*?```", "", DOCS, flags=re.S)  # its SHELL=/bin/bash
    documented = set(re.findall(r"^([A-Z][A-Z_]+)=", outside_the_crontab, flags=re.M))
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", ENV_EXAMPLE, flags=re.M))
    assert "SECURE_HSTS_SECONDS" in documented
    assert documented - listed == set()


def test_the_gunicorn_config_loads_and_keeps_no_access_log():
    config = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    assert config["workers"] >= 2
    assert config["accesslog"] is None  # search query strings hold a postcode district and an age


class _Worker:
    class log:  # noqa: N801 - gunicorn's worker.log is an object with warning()
        warnings: list[str] = []

        @classmethod
        def warning(cls, message, *args):
            cls.warnings.append(message % args)


@pytest.fixture(autouse=True)
def _unfrozen():
    """post_worker_init freezes the collector's view of the process (gc.freeze): not this one's."""
    yield
    gc.unfreeze()


@pytest.mark.django_db
def test_a_gunicorn_worker_freezes_what_it_holds_at_start(monkeypatch):
    config = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)  # the test's transaction
    gc.unfreeze()
    config["post_worker_init"](_Worker())
    assert gc.get_freeze_count() > 0


@pytest.mark.django_db
def test_a_replaced_search_index_is_freed_without_the_cycle_collector():
    """A worker's first search index is frozen with the rest (post_worker_init); a directory change
    replaces it, and it must then go by reference counting alone: no part of it in a cycle."""
    from directory import search_index, version
    from tests.factories import AreaFactory, LocationFactory, ServiceAtLocationFactory, ServiceFactory

    area = AreaFactory()
    for service in ServiceFactory.create_batch(3, coverage=[area]):
        ServiceAtLocationFactory(service=service, location=LocationFactory(organisation=service.organisation))
    kinds = (search_index.SearchIndex, search_index.ServiceRow, search_index.Columns, search_index.AreaRow)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds unreachable is kept in gc.garbage
    try:
        index = search_index.build(version.current())
        assert len(index.rows) == 3 and index.points and index.areas
        freed = weakref.ref(index)
        del index
        assert freed() is None
        gc.collect()
        assert [found for found in gc.garbage if isinstance(found, kinds)] == []
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.django_db
def test_a_gunicorn_worker_reads_the_search_index_as_it_starts(monkeypatch):
    from directory import search_index

    config = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    search_index.forget()
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)  # the test's transaction
    config["post_worker_init"](_Worker())
    assert search_index._held is not None
    search_index.forget()


def test_a_gunicorn_worker_imports_every_view_as_it_starts(monkeypatch):
    # Left to the first request, the URLconf's imports took 2.5-3 s on each new worker (a static
    # file's 404 included), after every deploy and every max_requests recycle.
    from django.urls import clear_url_caches, get_resolver

    from directory import search_index

    config = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    monkeypatch.setattr(search_index, "current", lambda: None)
    clear_url_caches()
    assert "url_patterns" not in vars(get_resolver())
    config["post_worker_init"](_Worker())
    assert "url_patterns" in vars(get_resolver())


def test_a_gunicorn_worker_simplifies_the_map_boundaries_as_it_starts(monkeypatch):
    from directory import boundaries, search_index

    config = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    monkeypatch.setattr(search_index, "current", lambda: None)
    boundaries._shapes_of.cache_clear()
    config["post_worker_init"](_Worker())
    assert boundaries._shapes_of.cache_info().currsize == 1


@pytest.mark.django_db
def test_a_gunicorn_worker_makes_the_region_outlines_as_it_starts(monkeypatch, wales_areas):
    from directory import boundaries, search_index

    config = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    monkeypatch.setattr(search_index, "current", lambda: None)
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)  # the test's transaction
    boundaries._regions_of.cache_clear()
    config["post_worker_init"](_Worker())
    assert boundaries._regions_of.cache_info().currsize == 1


def test_a_gunicorn_worker_starts_even_if_the_database_is_not_ready(monkeypatch):
    from directory import search_index

    def down(*args, **kwargs):
        raise RuntimeError("database not ready")

    config = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    monkeypatch.setattr(search_index, "current", down)
    _Worker.log.warnings.clear()
    config["post_worker_init"](_Worker())  # does not raise
    # Why, on the line: with a wrong DATABASE_URL the log said only "not read", and pages answered 503.
    assert any("RuntimeError: database not ready" in line for line in _Worker.log.warnings), _Worker.log.warnings


def test_gunicorn_with_the_deploy_config_starts_cleanly_where_the_app_users_home_is_not_writable(tmp_path):
    """As in the image (deploy/Dockerfile), where the app user's home is the code, owned by root.
    gunicorn 25.1+ makes a control socket in $HOME/.gunicorn unless told not to, and logged an error
    at every start there. HOME is a file here: not writable even for root, who runs the CI."""
    port = free_port()
    env = {**os.environ, "HOME": os.devnull, "DJANGO_SETTINGS_MODULE": "servicemap.settings", "DEBUG": "false",
           "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"}
    env.pop("REDIS_URL", None)
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "servicemap.wsgi"],
                                  env=env, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT)
        try:
            status = _first_answer(f"http://127.0.0.1:{port}/healthz/")
        finally:
            server.terminate()
            server.wait(timeout=20)

    assert status in (200, 503)  # served (503: this empty database has no tables)
    logged = log_path.read_text()
    assert "Listening at" in logged
    assert "Control server error" not in logged and "[ERROR]" not in logged, logged


def _first_answer(url: str) -> int:
    # A worker loads the app after the port opens: on a loaded 2-core machine (the suite's browser
    # tests beside it) the first answer can take several seconds, and a read that times out is
    # tried again, not taken as a failure.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=10) as response:
                return response.status
        except HTTPError as error:
            return error.code
        except (URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer in 60 s")


def _left_out_of_the_image(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore's patterns leave `path` out of the build context (Docker's rules as
    far as this file uses them: a pattern matches the path or a folder above it; `**` any depth)."""
    parts = path.split("/")
    candidates = ["/".join(parts[: end + 1]) for end in range(len(parts))]
    left_out = False
    for pattern in patterns:
        keep = pattern.startswith("!")
        pattern = pattern.removeprefix("!").strip("/")
        if pattern.startswith("**/"):
            matched = any(fnmatch.fnmatchcase(part, pattern[3:]) for part in parts)
        else:
            matched = any(fnmatch.fnmatchcase(candidate, pattern) for candidate in candidates)
        if matched:
            left_out = not keep
    return left_out


def test_the_image_build_context_holds_no_secret_or_local_state_and_everything_the_app_needs():
    patterns = [line.strip() for line in (BASE_DIR / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]

    for secret_or_local in (".env", "db.sqlite3", "db.sqlite3-journal", ".venv/bin/python", ".git/config",
                            ".bench/bench_sqlite.sqlite3", "staticfiles/css/servicemap.css",
                            "directory/__pycache__/models.cpython-311.pyc"):
        assert _left_out_of_the_image(secret_or_local, patterns), secret_or_local
    for needed in ("manage.py", "pyproject.toml", "README.md", "directory/models.py", "gaps/layers.py",
                   "templates/base.html", "locale/cy/LC_MESSAGES/django.mo", "servicemap/static/css/servicemap.css",
                   "data/README.md", "deploy/gunicorn.conf.py", "deploy/scheduler.py", "deploy/crontab",
                   ".env.example", "constraints.txt"):
        assert not _left_out_of_the_image(needed, patterns), needed
        assert (BASE_DIR / needed).exists(), needed


# One .env is read three ways: by bash (`set -a && . ./.env` in section 2 and every crontab line), by
# systemd (`EnvironmentFile=`) and by Docker Compose (`env_file:`). They agree only on plain
# `KEY=value` lines and on double-quoted values: bash stops at an unquoted `<` (a syntax error, so
# the whole cron line fails) and splits an unquoted value at a space; systemd and Docker keep a
# trailing `# comment` as part of the value.
_ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def _production_settings_block() -> list[str]:
    section = DOCS.split("## 1. Production settings", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, flags=re.S).group(1).splitlines()


def _env_example_uncommented() -> list[str]:
    return [re.sub(r"^#\s*", "", line) for line in ENV_EXAMPLE.splitlines()
            if re.match(r"^#?\s*[A-Z][A-Z0-9_]*=", line)]


@pytest.mark.parametrize("source", ["docs/deploy.md section 1", ".env.example, uncommented"])
def test_every_env_line_the_docs_give_reads_the_same_in_bash_systemd_and_docker(source, tmp_path):
    lines = _production_settings_block() if source.startswith("docs") else _env_example_uncommented()
    expected, written = {}, []
    for line in lines:
        match = _ASSIGNMENT.match(line)
        if not match:
            written.append(line)
            continue
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            expected[key] = value[1:-1]
        else:
            assert not re.search(r"\s#", value), f"{key}: systemd and Docker would keep the comment in the value"
            # Outside quotes, <word> is a placeholder the operator replaces (<password>).
            value = re.sub(r"<[\w-]+>", "placeholder", value)
            expected[key] = value
        written.append(f"{key}={value}")
    env_file = tmp_path / ".env"
    env_file.write_text("\n".join(written) + "\n")

    result = subprocess.run(["bash", "-c", 'set -a && . "$1" && env -0', "bash", str(env_file)],
                            capture_output=True, text=True, env={"PATH": os.environ["PATH"]})

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    read = dict(item.split("=", 1) for item in result.stdout.split("\0") if "=" in item)
    assert {key: read.get(key) for key in expected} == expected


def test_the_docs_and_the_crontab_run_the_chase_of_problem_reports_daily_and_say_it_is_safe_to_re_run():
    runs = [line for line in CRONTAB.splitlines() if "manage.py chase_problem_reports" in line and not line.startswith("#")]
    assert len(runs) == 1 and runs[0].split()[2:5] == ["*", "*", "*"]
    assert "/var/log/servicemap/" in runs[0] and "2>&1" in runs[0]
    outside_the_crontab = re.sub(r"```cron\n.*?```", "", DOCS, flags=re.S)
    assert "`chase_problem_reports` records on each report" in outside_the_crontab


def test_the_crontab_the_docs_show_is_deploy_crontab_and_its_folders_are_made_first():
    shown = re.search(r"```cron\n(.*?)```", DOCS, flags=re.S).group(1)
    assert shown == CRONTAB
    # A `>>` into a folder that does not exist stops the cron line before its job starts.
    folders = set(re.findall(r"(/var/(?:log|backups)/servicemap)/", CRONTAB))
    made = re.findall(r"install -d [^\n]*", DOCS)
    assert folders and all(any(folder in line.split() for line in made) for folder in folders)
    # `crontab -u USER` is refused to anyone but root ("must be privileged to use -u").
    installs = re.findall(r"^.*crontab -u [^\n]*", DOCS, flags=re.M)
    assert installs and all(line.startswith("sudo crontab -u servicemap deploy/crontab") for line in installs), installs


def test_the_docs_keep_the_dumps_and_the_env_file_from_the_machines_other_users():
    # pg_dump leaves each dump readable by everyone (umask 022): staff email addresses and password
    # hashes. And .env, copied with the same umask, holds SECRET_KEY and the database's password.
    (backups,) = [line for line in re.findall(r"install -d [^\n]*", DOCS) if "/var/backups/servicemap" in line]
    assert "-m 700" in backups and "/var/log/servicemap" not in backups
    assert "cp .env.example .env && chmod 600 .env &&" in DOCS.split("## 2.", 1)[1].split("## 3.", 1)[0]


def _logged_jobs() -> list[str]:
    return [line.split(None, 5)[5] for line in CRONTAB.splitlines() if "manage.py" in line and ">>" in line
            and not line.startswith("#")]


@pytest.mark.parametrize("exit_code", [0, 1])
def test_a_logged_cron_job_that_fails_prints_its_log_for_cron_to_mail_and_one_that_succeeds_prints_nothing(
    exit_code, tmp_path
):
    # cron mails what a line prints, not its exit status: with all output sent to the log, a failed
    # job mailed nobody, though the docs said it did.
    app, logs = tmp_path / "app", tmp_path / "log"
    (app / ".venv" / "bin").mkdir(parents=True)
    logs.mkdir()
    (app / ".env").write_text("")
    python = app / ".venv" / "bin" / "python"
    python.write_text(f"#!/bin/sh\necho \"ERROR the job's failure line\"\nexit {exit_code}\n")
    python.chmod(0o755)
    assert _logged_jobs()
    for line in _logged_jobs():
        line = line.replace("/srv/servicemap", str(app)).replace("/var/log/servicemap", str(logs))
        ran = subprocess.run(["/bin/bash", "-c", line], capture_output=True, text=True, timeout=30)
        if exit_code:
            assert "ERROR the job's failure line" in ran.stdout, line
        else:
            assert ran.stdout == ran.stderr == "", line
            assert ran.returncode == 0


def _nginx_directives() -> dict[str, list[str]]:
    """The nginx example's directives (name: its words), comments left out."""
    shown = re.search(r"```nginx\n(.*?)```", DOCS, flags=re.S).group(1)
    text = re.sub(r"#[^\n]*", "", shown)
    return {words[0]: words[1:] for statement in text.replace("{", ";").replace("}", ";").split(";")
            if (words := statement.split())}


def test_the_proxy_closes_requests_for_names_the_site_does_not_answer_to():
    # Without a default server, nginx passes them to the first one, and so to the app, whose log then
    # holds an ERROR and a traceback (DisallowedHost) for every scanner's request.
    shown = re.sub(r"#[^\n]*", "", re.search(r"```nginx\n(.*?)```", DOCS, flags=re.S).group(1))
    default = re.search(r"server \{\s*listen 80 default_server;(.*?)\n\}", shown, flags=re.S).group(1).split()
    assert " ".join(default).startswith("listen 443 ssl http2 default_server; ssl_reject_handshake on;")
    # A load balancer's health check by the server's address still reaches the app (section 6).
    assert "location = /healthz/ { proxy_pass http://127.0.0.1:8000; } location / { return 444; }" in " ".join(default)


def test_the_proxy_compresses_the_pages_json_and_csv_the_app_sends_uncompressed():
    directives = _nginx_directives()
    assert directives.get("gzip") == ["on"]
    # text/html is always compressed once gzip is on; the rest must be named.
    assert {"application/json", "application/vnd.oai.openapi+json", "text/csv", "text/plain"} <= set(
        directives["gzip_types"])
    # Requests through a proxy (Via) are not compressed unless asked; caches must keep both forms apart.
    assert directives["gzip_proxied"] == ["any"] and directives["gzip_vary"] == ["on"]
    # Compressed once, by the proxy: not also in the app's workers.
    assert "django.middleware.gzip.GZipMiddleware" not in settings.MIDDLEWARE
    assert "BREACH" in DOCS


COMPOSE_TEXT = (BASE_DIR / "deploy" / "compose.yaml").read_text()


def _compose() -> dict:
    import yaml

    return yaml.safe_load(COMPOSE_TEXT)


def test_the_compose_file_parses_and_everything_it_names_is_in_the_checkout():
    compose = _compose()
    assert set(compose["services"]) == {"app", "cron", "db", "redis"}
    deploy = BASE_DIR / "deploy"
    for name in ("app", "cron"):
        service = compose["services"][name]
        context = (deploy / service["build"]["context"]).resolve()
        assert context == BASE_DIR.resolve(), name
        assert (context / service["build"]["dockerfile"]).is_file(), name
        # ../.env is the deployer's own; what it is made from must be there.
        assert service["env_file"] == "../.env" and (BASE_DIR / ".env.example").is_file()
        for word in service.get("command", []):
            if "/" in word:
                assert (BASE_DIR / word).is_file(), word
    dockerfile = (deploy / "Dockerfile").read_text()
    for copied in re.findall(r"^COPY (?!\. )(.+?) \./$", dockerfile, flags=re.M):
        assert all((BASE_DIR / name).is_file() for name in copied.split()), copied
    assert re.search(r'^CMD \["gunicorn", "-c", "deploy/gunicorn.conf.py", "servicemap.wsgi"\]$', dockerfile, re.M)
    assert (BASE_DIR / "servicemap" / "wsgi.py").is_file()


def test_compose_starts_the_app_and_the_jobs_only_once_postgresql_and_redis_answer():
    # A plain `depends_on: [db]` waits for the container, not the server: on the first `up` the
    # database image spends seconds making its cluster, and `run --rm app manage.py migrate` failed.
    services = _compose()["services"]
    for name in ("app", "cron"):
        assert services[name]["depends_on"] == {"db": {"condition": "service_healthy"},
                                                "redis": {"condition": "service_healthy"}}, name
    db_check = services["db"]["healthcheck"]["test"]
    # Over TCP: the image's first-start server listens on its socket only, and a socket check passes too soon.
    assert db_check[:2] == ["CMD", "pg_isready"] and "--host=127.0.0.1" in db_check
    assert "--username=servicemap" in db_check and "--dbname=servicemap" in db_check
    assert services["db"]["environment"]["POSTGRES_USER"] == "servicemap"
    assert services["db"]["environment"]["POSTGRES_DB"] == "servicemap"
    assert services["redis"]["healthcheck"]["test"] == ["CMD-SHELL", "redis-cli ping | grep -q PONG"]
    from servicemap import health

    app_check = " ".join(services["app"]["healthcheck"]["test"])
    assert re.search(r"http://127.0.0.1:8000(/\S*?)'", app_check).group(1) in health.PATHS


def _compose_commands() -> list[str]:
    shown = [line.strip().lstrip("#").strip() for line in COMPOSE_TEXT.splitlines()]
    for text in (DOCS, (BASE_DIR / "README.md").read_text()):
        shown += [span for span in re.findall(r"`([^`\n]+)`", text) if "docker compose" in span]
        shown += [line for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S) for line in block.splitlines()]
    return [line for line in shown if re.search(r"docker[ -]compose -f ", line)]


def test_every_compose_command_the_docs_give_reads_the_checkouts_env_file():
    # Compose looks for the .env it interpolates beside the compose file (deploy/), not in the
    # current folder: without --env-file every command stopped for want of POSTGRES_PASSWORD, and
    # the host's nightly pg_dump wrote an empty file.
    commands = _compose_commands()
    assert len(commands) >= 10
    for command in commands:
        assert "--env-file .env" in command and not command.startswith(("docker compose -f /", "cd /tmp")), command
        if "/srv/servicemap" in command or "pg_dump" in command:
            assert command.split("docker compose")[0].endswith("cd /srv/servicemap && "), command


def _manage_py_lines() -> list[tuple[str, str]]:
    """Every `manage.py ...` line the crontab, the compose file and the docs' code blocks run."""
    sources = [("deploy/crontab", CRONTAB), ("deploy/compose.yaml", COMPOSE_TEXT)]
    sources += [("docs/deploy.md", re.sub(r"^\s*#.*$", "", block, flags=re.M))  # its comments are prose
                for block in re.findall(r"```(?:sh|cron)\n(.*?)```", DOCS, flags=re.S)]
    # In the prose, `manage.py create_moderator` alone names the command; with words after it, it is a line to run.
    sources += [("docs/deploy.md", span) for span in re.findall(r"`([^`\n]+)`", DOCS)
                if re.search(r"manage\.py \w+ ", span)]
    found = []
    for source, text in sources:
        text = text.replace("\\\n", " ")
        for match in re.finditer(r"manage\.py (\w+)([^\n]*)", text):
            found.append((source, match.group(1) + match.group(2)))
    return found


def _arguments(rest: str) -> list[str]:
    import shlex

    rest = re.sub(r"\$\([^)]*\)", "DATE", rest)  # $(date +%F)
    rest = re.split(r"\s(?:#|>>?|&&|\|\|?|;)|^#", rest)[0]
    return shlex.split(rest)


def test_every_management_command_line_the_docs_crontab_and_compose_give_is_accepted_by_its_parser():
    # The names alone were checked: a flag a command does not have (or a missing argument) failed
    # only on the server, at the job's time.
    from django.core.management import CommandError, load_command_class

    lines = _manage_py_lines()
    commands = get_commands()
    assert len(lines) >= 20
    for source, line in lines:
        name, *arguments = _arguments(line)
        assert name in commands, (source, line)
        command = load_command_class(commands[name], name)
        parser = command.create_parser("manage.py", name)
        try:
            parser.parse_args(arguments)
        except CommandError as error:
            pytest.fail(f"{source}: manage.py {line.strip()}: {error}")


def test_every_option_the_docs_name_in_passing_is_an_option_of_a_command_they_name():
    from django.core.management import load_command_class

    commands = get_commands()
    named = {name for name in re.findall(r"manage\.py (\w+)", DOCS + CRONTAB) if name in commands}
    options = set()
    for name in named:
        parser = load_command_class(commands[name], name).create_parser("manage.py", name)
        options |= {option for action in parser._actions for option in action.option_strings}
    in_prose = set(re.findall(r"`(--[a-z-]+)[ `]", re.sub(r"```.*?```", "", DOCS, flags=re.S)))
    others = {"--env-file", "--format", "--deploy"}  # docker compose's, pg_dump's; --deploy is check's
    assert "--dry-run" in in_prose
    assert in_prose - options - others == set()
