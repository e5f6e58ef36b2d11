"""WeasyPrint glue: HTML → PDF with a url_fetcher that reads only our static and media files.

Imported lazily (by assessment.reports.html_to_pdf): loading WeasyPrint and Pango takes a second.
"""

import gc
import http.client
import logging
import os
import ssl
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings

# WeasyPrint logs every parsing and layout step at INFO, starting at import time; keep its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _context_without_ca_bundle(*args: object, **kwargs: object) -> ssl.SSLContext:
    # Verifies nothing because it trusts nothing: any HTTPS fetch through it fails, which is what we want.
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


# At import, WeasyPrint builds a urllib fetcher for each of its three user-agent stylesheets, and each
# loads the system CA bundle (~45 ms apiece) for HTTPS it never does. Give those fetchers a context
# that loads nothing; our own fetcher (LocalFileFetcher) has no HTTPS handler at all.
_create_https_context = http.client._create_https_context  # type: ignore[attr-defined]  # private: swapped during the import only
http.client._create_https_context = _context_without_ca_bundle  # type: ignore[attr-defined]  # private: swapped during the import only
try:
    from weasyprint import HTML  # noqa: E402
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402
finally:
    http.client._create_https_context = _create_https_context  # type: ignore[attr-defined]  # private: swapped during the import only

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
    report's render CPU. Peak memory is the same with the collector off (262 MB against 260 MB).

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
