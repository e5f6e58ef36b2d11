"""Production configuration: settings from the environment, check --deploy, static files, logs, health.

Settings are read once at import, so each environment is evaluated in a fresh Python process.
"""

import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import path

from greenmfg.logging import JsonFormatter

BASE_DIR = Path(settings.BASE_DIR)
# Every variable greenmfg/settings.py or gunicorn.conf.py reads that a developer's shell may set.
SETTINGS_VARS = {
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SITE_URL", "ADMIN_URL",
    "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SECURE_COOKIES", "REDIS_URL", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME", "AWS_S3_ADDRESSING_STYLE", "AWS_LOCATION", "STATIC_ROOT", "MEDIA_ROOT", "LOG_LEVEL",
    "AXES_ENABLED", "AXES_FAILURE_LIMIT", "AXES_COOLOFF_MINUTES", "TRUSTED_PROXY_COUNT",
    "PORT", "HOST", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT",
}  # fmt: skip
PRODUCTION_KEY = secrets.token_urlsafe(64)


def production_env(**overrides: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARS}
    env.update(
        DJANGO_SETTINGS_MODULE="greenmfg.settings",
        DEBUG="0",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="greenmfg.example.com",
        CSRF_TRUSTED_ORIGINS="https://greenmfg.example.com",
    )
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def run_django(env: dict[str, str], code: str) -> dict:
    """Run `code` after django.setup() in a new process; it assigns `result`, which comes back as JSON."""
    script = "import json, django\ndjango.setup()\nfrom django.conf import settings\n" + code
    script += "\nprint('RESULT:' + json.dumps(result, default=str))\n"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT:"))
    return json.loads(line.removeprefix("RESULT:"))


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


SECURITY_SETTINGS = """
result = {name: getattr(settings, name) for name in [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_HTTPONLY", "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY", "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_PROXY_SSL_HEADER", "SESSION_ENGINE", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
]}
result["staticfiles"] = settings.STORAGES["staticfiles"]["BACKEND"]
result["default_storage"] = settings.STORAGES["default"]["BACKEND"]
result["cache"] = settings.CACHES["default"]["BACKEND"]
"""


def test_deploy_check_passes_with_production_environment():
    done = manage(production_env(), "check", "--deploy", "--fail-level", "WARNING")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_deploy_check_fails_when_https_is_switched_off():
    env = production_env(SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0", SECURE_COOKIES="0")

    done = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert done.returncode != 0
    for check_id in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check_id in done.stderr


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off():
    done = manage(production_env(SECRET_KEY=None), "check")

    assert done.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in done.stderr


def test_production_defaults_are_secure():
    values = run_django(production_env(), SECURITY_SETTINGS)

    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is values["LANGUAGE_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["ALLOWED_HOSTS"] == ["greenmfg.example.com"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://greenmfg.example.com"]
    assert values["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["default_storage"] == "django.core.files.storage.FileSystemStorage"
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    # A per-process cache must not sit in front of sessions that other servers change.
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_debug_keeps_plain_http_for_local_development():
    values = run_django(production_env(DEBUG="1", SECRET_KEY=None), SECURITY_SETTINGS)

    assert values["DEBUG"] is True
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is False
    assert values["staticfiles"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


def test_each_hardening_setting_can_be_overridden_from_the_environment():
    env = production_env(
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_PRELOAD="0",
        SECURE_COOKIES="0",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )

    values = run_django(env, SECURITY_SETTINGS)

    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 600
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_redis_cache_is_shared_between_processes():
    env = production_env(REDIS_URL="redis://127.0.0.1:6379/15")
    key = f"greenmfg-test-{secrets.token_hex(8)}"

    written = run_django(
        env,
        f"from django.core.cache import cache\ncache.set({key!r}, 'from process one', 60)\n"
        f"result = {{'engine': settings.SESSION_ENGINE, 'backend': settings.CACHES['default']['BACKEND']}}",
    )
    read = run_django(env, f"from django.core.cache import cache\nresult = cache.get({key!r})\ncache.delete({key!r})")

    assert written == {
        "engine": "django.contrib.sessions.backends.cached_db",
        "backend": "django.core.cache.backends.redis.RedisCache",
    }
    assert read == "from process one"


def test_bucket_name_moves_uploads_to_private_s3_storage():
    env = production_env(
        AWS_STORAGE_BUCKET_NAME="greenmfg-evidence",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        AWS_S3_REGION_NAME="cn-north-1",
        AWS_S3_ADDRESSING_STYLE="path",
        AWS_ACCESS_KEY_ID="test-access-key",
        AWS_SECRET_ACCESS_KEY="test-secret-key",
    )

    values = run_django(
        env,
        "from django.core.files.storage import default_storage\n"
        "default_storage._setup()\n"
        "storage = default_storage._wrapped\n"
        "result = {'class': type(storage).__module__ + '.' + type(storage).__name__,\n"
        "          'bucket': default_storage.bucket_name, 'acl': default_storage.default_acl,\n"
        "          'url': default_storage.url('evidence/report.pdf')}",
    )

    assert values["class"] == "storages.backends.s3.S3Storage"
    assert values["bucket"] == "greenmfg-evidence"
    assert values["acl"] == "private"
    # A signed, expiring link on the configured endpoint (made locally, no network needed).
    assert values["url"].startswith("http://127.0.0.1:9000/greenmfg-evidence/evidence/report.pdf?")
    assert "X-Amz-Signature=" in values["url"]


def test_collectstatic_writes_hashed_and_compressed_files(tmp_path):
    env = production_env(STATIC_ROOT=str(tmp_path))
    # Our own static files and htmx only (the full set with Bootstrap and the admin takes a minute or more).
    code = (
        "from django.core.management import call_command\n"
        "settings.STATICFILES_FINDERS = ['django.contrib.staticfiles.finders.FileSystemFinder']\n"
        "settings.STATICFILES_DIRS = [d for d in settings.STATICFILES_DIRS if not isinstance(d, tuple) or 'htmx' in d[0]]\n"
        "call_command('collectstatic', interactive=False, verbosity=0)\n"
        "from django.templatetags.static import static\n"
        "result = {'css': static('css/app.css'), 'htmx': static('vendor/htmx.org/dist/htmx.min.js')}"
    )

    urls = run_django(env, code)

    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    hashed_css = manifest["css/app.css"]
    assert hashed_css != "css/app.css" and hashed_css.startswith("css/app.")
    assert urls["css"] == f"/static/{hashed_css}"
    assert urls["htmx"] == f"/static/{manifest['vendor/htmx.org/dist/htmx.min.js']}"
    for suffix in ("", ".gz", ".br"):
        assert (tmp_path / f"{hashed_css}{suffix}").stat().st_size > 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _get(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with _opener.open(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_gunicorn_serves_the_app_with_json_logs(tmp_path):
    port = _free_port()
    (tmp_path / "static").mkdir()
    env = production_env(
        PORT=str(port),
        HOST="127.0.0.1",
        WEB_CONCURRENCY="1",
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    log, errors = (tmp_path / "stdout.log").open("w"), (tmp_path / "stderr.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn")], cwd=BASE_DIR, env=env, stdout=log, stderr=errors
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, headers, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (
                    "gunicorn did not start: " + (tmp_path / "stderr.log").read_text()
                )
                time.sleep(0.2)
        redirect_status, redirect_headers, _ = _get(f"http://127.0.0.1:{port}/accounts/login/")
        # gunicorn trusts X-Forwarded-Proto from a proxy on the same machine (FORWARDED_ALLOW_IPS).
        _, https_headers, _ = _get(f"http://127.0.0.1:{port}/healthz", {"X-Forwarded-Proto": "https"})
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        errors.close()

    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok"}
    assert "object-src 'none'" in headers["Content-Security-Policy"]
    assert redirect_status == 301
    assert redirect_headers["Location"] == f"https://127.0.0.1:{port}/accounts/login/"
    assert https_headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    lines = [json.loads(line) for line in (tmp_path / "stdout.log").read_text().splitlines()]
    access = [entry for entry in lines if entry["logger"] == "gunicorn.access"]
    first = access[0]
    assert (first["method"], first["path"], first["status"]) == ("GET", "/healthz", 200)
    assert {entry["path"]: entry["status"] for entry in access}["/accounts/login/"] == 301
    assert all({"timestamp", "level", "logger", "message"} <= entry.keys() for entry in lines)


def test_health_check_reports_ok(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_health_check_returns_503_when_the_database_fails(client, db, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    # Undone inside the test: the database teardown needs a working cursor.
    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken_cursor)
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


def test_health_check_is_exempt_from_the_https_redirect(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_whitenoise_serves_static_files_right_after_security_middleware(client):
    response = client.get("/static/vendor/htmx.org/dist/htmx.min.js")

    assert settings.MIDDLEWARE[:2] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    assert response.status_code == 200
    assert b"htmx" in b"".join(response.streaming_content)


def _boom(request):
    raise RuntimeError("boom for the log test")


urlpatterns = [path("boom/", _boom)]


def test_server_errors_are_logged_as_one_json_line(db, settings, caplog):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)

    with caplog.at_level(logging.INFO):
        response = client.get("/boom/")

    assert response.status_code == 500
    record = next(r for r in caplog.records if r.name == "django.request")
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "django.request"
    assert entry["method"] == "GET"
    assert entry["path"] == "/boom/"
    assert entry["status"] == 500
    assert "RuntimeError: boom for the log test" in entry["exception"]
    assert entry["timestamp"].endswith("+00:00")


def test_logging_sends_everything_to_stdout_as_json():
    handler = settings.LOGGING["handlers"]["stdout"]

    assert handler["stream"] == "ext://sys.stdout"
    assert settings.LOGGING["formatters"][handler["formatter"]]["()"] == "greenmfg.logging.JsonFormatter"
    assert settings.LOGGING["root"]["handlers"] == ["stdout"]
    assert settings.LOGGING["loggers"]["django"]["propagate"] is True
