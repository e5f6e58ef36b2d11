"""System checks for PDF rendering: a CJK font and HarfBuzz subsetting (without it, Chinese PDFs
are about ten times slower, because fontTools subsets the 20 MB font in Python)."""

import ctypes
import ctypes.util
import shutil
import subprocess
from typing import Any

from django.core.checks import CheckMessage, Warning

CJK_FAMILY = "Noto Sans CJK SC"


def cjk_font_family() -> str | None:
    """The family fontconfig picks for Noto Sans CJK SC, or None when fc-match is missing or fails."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        result = subprocess.run(
            [fc_match, "-f", "%{family}", CJK_FAMILY], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def check_cjk_font(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    family = cjk_font_family()
    if family and CJK_FAMILY in family:
        return []
    return [
        Warning(
            f"No CJK font found: fontconfig resolves {CJK_FAMILY!r} to {family!r}.",
            hint="Install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk); without it Chinese text in PDF reports shows as boxes.",
            id="assessment.W001",
        )
    ]


def harfbuzz_subset_available() -> bool:
    name = ctypes.util.find_library("harfbuzz-subset")
    if name is None:
        return False
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return False
    return hasattr(library, "hb_subset_or_fail")


def check_harfbuzz_subset(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if harfbuzz_subset_available():
        return []
    return [
        Warning(
            "HarfBuzz font subsetting (libharfbuzz-subset) is not available.",
            hint="Install libharfbuzz-subset0 (Debian); WeasyPrint then subsets fonts in C, and Chinese PDF reports render about ten times faster.",
            id="assessment.W002",
        )
    ]
