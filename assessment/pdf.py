"""WeasyPrint glue: HTML → PDF with a url_fetcher that reads only our static and media files.

Imported lazily (by assessment.reports.html_to_pdf): loading WeasyPrint and Pango takes a second.
"""

import ctypes.util
import gc
import http.client
import logging
import os
import ssl
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import cast
from urllib.parse import unquote, urlsplit

from django.conf import settings

# WeasyPrint logs every parsing and layout step at INFO, starting at import time; keep its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _context_without_ca_bundle(*args: object, **kwargs: object) -> ssl.SSLContext:
    # Verifies nothing because it trusts nothing: any HTTPS fetch through it fails, which is what we want.
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _linker_cache_lookup() -> Callable[[str], str | None] | None:
    """The linker-cache step of ctypes.util.find_library on its own; None where it may miss a library.

    WeasyPrint loads GObject, Pango, HarfBuzz and fontconfig through cffi, trying several names for each
    ("libgobject-2.0-0", "gobject-2.0-0", "gobject-2.0", …), and cffi asks ctypes.util.find_library for
    each name. On Linux every name that is not in the linker cache then costs a gcc and an ld run: 54
    processes and 0.12 s of wall time at each import. The cache lookup is find_library's own first step,
    and it finds the libraries installed by the system's packages; the compiler and linker steps add
    what LD_LIBRARY_PATH points at (then this returns None: the full search runs) and the rest of gcc's
    search path (if a library is only there, the import fails and is tried again with the full search).
    """
    lookup = getattr(ctypes.util, "_findSoname_ldconfig", None)  # private, Linux only
    glibc = sys.platform == "linux" and (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    if lookup is None or not glibc or os.environ.get("LD_LIBRARY_PATH") or not os.path.exists("/sbin/ldconfig"):
        return None
    return cast(Callable[[str], str | None], lookup)


# At import, WeasyPrint builds a urllib fetcher for each of its three user-agent stylesheets, and each
# loads the system CA bundle (~45 ms apiece) for HTTPS it never does. Give those fetchers a context
# that loads nothing; our own fetcher (LocalFileFetcher) has no HTTPS handler at all. Its libraries are
# looked up in the linker cache only (see _linker_cache_lookup).
_create_https_context = http.client._create_https_context  # type: ignore[attr-defined]  # private: swapped during the import only
_find_library = ctypes.util.find_library
http.client._create_https_context = _context_without_ca_bundle  # type: ignore[attr-defined]  # private: swapped during the import only
ctypes.util.find_library = _linker_cache_lookup() or _find_library  # type: ignore[assignment]  # swapped during the import only
try:
    try:
        from weasyprint import HTML  # noqa: E402
    except OSError:  # a library outside the linker cache: the full search finds it
        ctypes.util.find_library = _find_library
        from weasyprint import HTML  # noqa: E402
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402
finally:
    http.client._create_https_context = _create_https_context  # type: ignore[attr-defined]  # private: swapped during the import only
    ctypes.util.find_library = _find_library

CONTENT_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


def allowed_roots() -> list[Path]:
    """Directories WeasyPrint may read: our static files and uploaded media, nothing else."""
    roots = [Path(settings.STATIC_ROOT), Path(settings.MEDIA_ROOT)]
    for entry in settings.STATICFILES_DIRS:
        roots.append(Path(str(entry[1] if isinstance(entry, (tuple, list)) else entry)))
    return [Path(os.path.realpath(root)) for root in roots]


class LocalFileFetcher(URLFetcher):
    """Serves file:// URLs under the allowed roots; refuses every other URL (http, data, …)."""

    def __init__(self, roots: Iterable[Path] | None = None) -> None:
        # WeasyPrint's public options only: file URLs, no redirects, and an SSL context that loads no CA
        # bundle (the HTTPS handler it installs is never used: `fetch` below reads local files itself).
        super().__init__(ssl_context=_context_without_ca_bundle(), allowed_protocols=["file"], allow_redirects=False)
        self.roots = list(roots) if roots is not None else allowed_roots()

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        path = self.resolve(url)
        content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    def resolve(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"refused URL (only local static and media files are allowed): {url[:200]}")
        # realpath resolves "..", and symlinks pointing out of the roots.
        path = Path(os.path.realpath(unquote(parts.path)))
        if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
            raise ValueError(f"refused file outside static and media: {url[:200]}")
        return path


_leftovers = False  # whether a render in this process may have left objects for the collector


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block, back on after (if it was on before).

    A render builds hundreds of thousands of objects (the parsed tree, styles, boxes, Pango layouts) that
    all live until the PDF is written. Every full collection during the render walks all of them and finds
    next to nothing (11,000 objects freed in 8 full collections of the 200-indicator report): a fifth of that
    report's render CPU. Peak memory is the same with the collector off (262 MB against 260 MB). The switch
    is the process's: a thread beside the render (a web request) also runs without it for that long.

    What a render leaves behind (its objects refer to each other, so only the collector frees them) is freed
    in one pass at the start of the next render in the process, so leftovers of two renders never pile up
    while it is off (or earlier, by an ordinary full collection). The first render has none to free and
    skips that pass (0.04 s over the objects of Django and WeasyPrint).
    """
    global _leftovers
    if _leftovers:
        gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        _leftovers = True
        if was_enabled:
            gc.enable()


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """The PDF bytes and the page count."""
    base_url = Path(settings.BASE_DIR).resolve().as_uri() + "/"
    with collector_paused():
        document = HTML(string=html, base_url=base_url, url_fetcher=LocalFileFetcher()).render()
        return document.write_pdf(), len(document.pages)
