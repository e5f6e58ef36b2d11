"""bin/setup and bin/test check their Debian packages, install the missing ones when they can, or say how.

Nothing is uninstalled: each test runs the real script with a PATH of fakes of dpkg-query, apt-get, sudo and
id (npm too, once "installed"), which read and write a state directory, then symlinks to every other command.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
FAKED = {"dpkg-query", "apt-get", "sudo", "id", "npm", "node"}
SETUP_PACKAGES = ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-cjk", "gettext"]

FAKES = {
    "dpkg-query": """
pkg="${@: -1}"
[ -e "$FAKE_STATE/installed/$pkg" ] || { echo "dpkg-query: no packages found matching $pkg" >&2; exit 1; }
printf 'ii '
""",
    "apt-get": """
echo "apt-get $*" >>"$FAKE_STATE/log"
[ -z "${FAKE_APT_FAIL:-}" ] || exit 100
[[ " $* " == *" install "* ]] || exit 0
for arg in "$@"; do
    case "$arg" in
        -* | install) ;;
        npm) touch "$FAKE_STATE/installed/npm"; cp "$FAKE_STATE/npm" "$FAKE_BIN/npm" ;;
        *) touch "$FAKE_STATE/installed/$arg" ;;
    esac
done
""",
    "sudo": """
echo "sudo $*" >>"$FAKE_STATE/log"
[ "${FAKE_SUDO:-}" = allow ] || { echo "sudo: a password is required" >&2; exit 1; }
[ "$1" = -n ] && shift
exec "$@"
""",
    "id": """[ "$1" = -u ] && exec echo "$FAKE_UID"; exec /usr/bin/id "$@"\n""",
}
FAKE_NPM = 'echo "$FAKE_NPM_VERSION"\n'


@pytest.fixture(scope="module")
def real_commands(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Symlinks to every command on PATH except the faked ones and Python (found as .venv/bin/python)."""
    directory = tmp_path_factory.mktemp("real-bin")
    for path_entry in dict.fromkeys(os.environ["PATH"].split(os.pathsep)):
        if not path_entry or not Path(path_entry).is_dir():
            continue
        for entry in Path(path_entry).iterdir():
            link = directory / entry.name
            if entry.name in FAKED or re.fullmatch(r"python[0-9.]*", entry.name):
                continue
            if not link.exists() and entry.is_file() and os.access(entry, os.X_OK):
                link.symlink_to(entry)
    return directory


class FakeSystem:
    def __init__(self, root: Path, real_commands: Path) -> None:
        self.bin = root / "bin"
        self.state = root / "state"
        (self.state / "installed").mkdir(parents=True)
        self.bin.mkdir()
        for name, body in FAKES.items():
            self.write(self.bin / name, body)
        self.write(self.state / "npm", FAKE_NPM)
        self.env = {
            "PATH": f"{self.bin}{os.pathsep}{real_commands}",
            "HOME": os.environ.get("HOME", str(root)),
            "FAKE_BIN": str(self.bin),
            "FAKE_STATE": str(self.state),
            "FAKE_UID": "0",
            "FAKE_NPM_VERSION": "10.8.2",
        }

    @staticmethod
    def write(path: Path, body: str) -> None:
        path.write_text("#!/bin/bash\n" + body)
        path.chmod(0o755)

    def install(self, *packages: str) -> None:
        for package in packages:
            (self.state / "installed" / package).touch()
            if package == "npm":
                self.write(self.bin / "npm", FAKE_NPM)

    def remove_command(self, name: str) -> None:
        (self.bin / name).unlink()

    def installed(self) -> set[str]:
        return {path.name for path in (self.state / "installed").iterdir()}

    def log(self) -> list[str]:
        log = self.state / "log"
        return log.read_text().splitlines() if log.exists() else []

    def run(self, *command: str, cwd: Path = BASE_DIR, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(command, cwd=cwd, env={**self.env, **env}, capture_output=True, text=True, timeout=60)


@pytest.fixture
def system(tmp_path: Path, real_commands: Path) -> FakeSystem:
    return FakeSystem(tmp_path, real_commands)


def test_setup_installs_what_is_missing_as_root_and_says_what(system):
    system.install("libpango-1.0-0", "libpangoft2-1.0-0", "gettext", "npm", "nodejs")

    done = system.run("bin/setup", "--system-only")

    assert done.returncode == 0, done.stdout + done.stderr
    assert system.log() == [
        "apt-get -q update",
        "apt-get -q install -y --no-install-recommends libharfbuzz-subset0 fonts-noto-cjk",
    ]
    assert "Installing the missing system packages with apt-get (as root):" in done.stdout
    assert "libharfbuzz-subset0  " in done.stdout and "WeasyPrint subsets fonts" in done.stdout
    assert "Installed: libharfbuzz-subset0 fonts-noto-cjk" in done.stdout
    assert set(SETUP_PACKAGES) <= system.installed()
    assert "System packages ready (--system-only)" in done.stdout


def test_setup_installs_nodejs_and_npm_with_sudo_when_there_is_no_npm(system):
    system.install(*SETUP_PACKAGES)

    done = system.run("bin/setup", "--system-only", FAKE_UID="1000", FAKE_SUDO="allow")

    assert done.returncode == 0, done.stdout + done.stderr
    assert system.log() == [
        "sudo -n true",
        "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get -q update",
        "apt-get -q update",
        "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends nodejs npm",
        "apt-get -q install -y --no-install-recommends nodejs npm",
    ]
    assert "with apt-get (with sudo -n)" in done.stdout
    assert "npm 10.8.2" in done.stdout


def test_setup_stops_with_the_one_command_when_it_cannot_install(system):
    system.install("libpango-1.0-0", "libpangoft2-1.0-0", "gettext", "npm")

    done = system.run("bin/setup", "--system-only", FAKE_UID="1000")

    assert done.returncode == 1
    assert "\n  sudo apt-get install libharfbuzz-subset0 fonts-noto-cjk\n" in done.stderr
    assert "Run this, then bin/setup again" in done.stderr
    assert "sudo asks for a password" in done.stderr
    # Why each one is needed.
    assert "WeasyPrint subsets fonts" in done.stderr and "Chinese text in PDFs" in done.stderr
    assert system.log() == ["sudo -n true"]
    assert "Python" not in done.stdout  # stopped before any other step


def test_setup_without_sudo_names_the_root_command(system):
    system.install(*SETUP_PACKAGES)
    system.remove_command("sudo")

    done = system.run("bin/setup", "--system-only", FAKE_UID="1000")

    assert done.returncode == 1
    assert "\n  su -c 'apt-get install nodejs npm'\n" in done.stderr
    assert system.log() == []


def test_setup_reports_a_failed_install(system):
    system.install(*SETUP_PACKAGES, "npm")
    (system.state / "installed" / "gettext").unlink()

    done = system.run("bin/setup", "--system-only", FAKE_APT_FAIL="1")

    assert done.returncode == 1
    assert "apt-get could not install them" in done.stderr
    assert "\n  apt-get install gettext\n" in done.stderr


def test_setup_with_everything_present_installs_nothing(system):
    system.install(*SETUP_PACKAGES, "npm")

    done = system.run("bin/setup", "--system-only", FAKE_UID="1000")

    assert done.returncode == 0, done.stderr
    assert f"All present: {' '.join(SETUP_PACKAGES)}" in done.stdout
    assert system.log() == []


def test_setup_refuses_an_npm_older_than_7(system):
    system.install(*SETUP_PACKAGES, "npm")

    done = system.run("bin/setup", "--system-only", FAKE_NPM_VERSION="6.14.4")

    assert done.returncode == 1
    assert "npm 6.14.4 is too old: package-lock.json needs npm 7 or newer" in done.stderr


def test_setup_on_a_system_without_dpkg_lists_the_packages_and_goes_on(system):
    system.install("npm")
    system.remove_command("dpkg-query")
    system.remove_command("apt-get")

    done = system.run("bin/setup", "--system-only")

    assert done.returncode == 0, done.stderr
    assert "Cannot check the system packages here" in done.stdout
    assert "fonts-noto-cjk" in done.stdout


def test_test_stops_before_any_test_when_chromium_cannot_be_installed(system):
    system.install("poppler-utils")

    done = system.run("bin/test", FAKE_UID="1000")

    assert done.returncode == 1
    assert "\n  sudo apt-get install chromium\n" in done.stderr
    assert "then bin/test again" in done.stderr
    assert "bin/test -m 'not browser'" in done.stderr
    assert "--- pytest" not in done.stdout


def test_test_installs_chromium_and_poppler_before_the_browser_tests(system):
    # The package check only: bin/system-packages as bin/test calls it (the full run would then run the suite).
    done = system.run("bin/system-packages", "--for", "bin/test", "chromium", "poppler-utils")

    assert done.returncode == 0, done.stderr
    assert system.log()[-1] == "apt-get -q install -y --no-install-recommends chromium poppler-utils"
    assert "the browser tests (Playwright drives Debian's chromium)" in done.stdout


@pytest.mark.parametrize(
    ("python3", "installs"),
    [
        # Ubuntu 24.04 / Debian 13: python3 is 3.12+, without ensurepip until python3-venv is installed.
        ('case "$2" in *ensurepip*) exit 1 ;; *version_info*) exit 0 ;; esac; exit 1\n', "python3-venv"),
        (None, "python3 python3-venv"),
    ],
    ids=["python3-without-venv", "no-python3"],
)
def test_setup_without_a_usable_python_installs_the_distributions(system, tmp_path, python3, installs):
    project = tmp_path / "project"  # no .venv, and HOME has no pyenv versions
    (project / "bin").mkdir(parents=True)
    for script in ("setup", "system-packages"):
        shutil.copy2(BASE_DIR / "bin" / script, project / "bin" / script)
    system.install(*SETUP_PACKAGES, "npm")
    if python3:
        system.write(system.bin / "python3", python3)

    done = system.run("bin/setup", "--system-only", cwd=project, HOME=str(tmp_path))

    assert done.returncode == 0, done.stdout + done.stderr
    assert system.log()[-1] == f"apt-get -q install -y --no-install-recommends {installs}"
