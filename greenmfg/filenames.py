"""Names of downloaded files: a company's name kept readable (Chinese included) but safe in a file name."""

import re
import unicodedata

UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def file_part(text: str, *, limit: int = 80) -> str:
    """`text` for use inside a file name: path separators and characters file systems refuse become "-",
    white space is collapsed, leading dots are dropped (no hidden files, no "..")."""
    text = unicodedata.normalize("NFC", text)
    text = UNSAFE.sub("-", text)
    text = re.sub(r"\s+", " ", text).strip(" .-")
    return text[:limit].strip(" .-") or "company"
