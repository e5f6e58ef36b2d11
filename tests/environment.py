"""Test settings that must exist before Django's: loaded by pytest as a plugin (`-p tests.environment`).

pytest-django imports greenmfg/settings.py before any conftest.py, and the settings refuse to start
with DEBUG off and no SECRET_KEY. So plain `pytest`, with nothing exported and no .env, sets the
development values here first, as bin/test used to: whatever .env says, tests never run with
production-only settings by accident. A variable set in the environment still wins.
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "test-only-insecure-key-set-by-tests-environment")
