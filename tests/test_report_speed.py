"""Start-up work the `render_report` process no longer does (see bench/report_bench.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENV = os.environ | {"DEBUG": "1", "SECRET_KEY": "test-only", "DJANGO_SETTINGS_MODULE": "greenmfg.settings"}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120, check=False
    )


def python_output(code: str) -> str:
    """What `python -c code` prints, stripped; the run must succeed."""
    result = run("-c", code)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_loading_weasyprint_loads_no_ca_bundle():
    code = (
        "import ssl\n"
        "calls = []\n"
        "original = ssl.SSLContext.set_default_verify_paths\n"
        "ssl.SSLContext.set_default_verify_paths = lambda self: calls.append(1) or original(self)\n"
        "import django; django.setup()\n"
        "from assessment import pdf\n"
        "import http.client\n"
        "assert http.client._create_https_context is not pdf._context_without_ca_bundle  # restored\n"
        "print(len(calls))\n"
    )
    assert python_output(code) == "0"


def test_render_report_skips_system_checks_and_does_not_import_openpyxl(tmp_path):
    # An unknown assessment: the command stops after its imports and one query.
    result = run("-X", "importtime", "manage.py", "render_report", "999999", "--out", str(tmp_path / "x.pdf"))
    imported = {
        line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    }
    assert "assessment.reports" in imported  # the command ran
    # The URLconf (and through the views, openpyxl) is only loaded by the system checks.
    assert "greenmfg.urls" not in imported
    assert "openpyxl" not in imported and "assessment.exchange" not in imported


def test_loading_weasyprint_runs_no_compiler_or_linker_to_find_its_libraries():
    from assessment import pdf

    if pdf._linker_cache_lookup() is None:
        pytest.skip("no glibc linker cache to rely on here (or LD_LIBRARY_PATH is set): the full search runs")
    code = (
        "import ctypes.util, subprocess\n"
        "commands = []\n"
        "original = subprocess.Popen.__init__\n"
        "def recording(self, args, *a, **k):\n"
        "    commands.append(args[0])\n"
        "    original(self, args, *a, **k)\n"
        "subprocess.Popen.__init__ = recording\n"
        "find_library = ctypes.util.find_library\n"
        "import django; django.setup()\n"
        "from assessment import pdf\n"
        "assert ctypes.util.find_library is find_library  # restored\n"
        "print(sorted(set(commands)))\n"
    )
    assert python_output(code).splitlines()[-1] == "['/sbin/ldconfig']"


def test_loading_weasyprint_falls_back_to_the_full_library_search():
    # As if the libraries were outside the linker cache: the import is tried again with find_library.
    code = (
        "import ctypes.util\n"
        "ctypes.util._findSoname_ldconfig = lambda name: None\n"
        "import django; django.setup()\n"
        "from assessment import pdf\n"
        "print(pdf.html_to_pdf('<p>x</p>')[1])\n"
    )
    assert python_output(code).splitlines()[-1] == "1"
