"""One JSON object per log line on stdout, for log shippers."""

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from django.http import HttpRequest


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # django.request passes the request and the response status as extras.
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            entry["method"] = request.method
            entry["path"] = request.path
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            entry.update(_access_fields(record.args))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _access_fields(atoms: Mapping[str, object]) -> dict[str, object]:
    """gunicorn's access log atoms (see gunicorn.glogging.Logger.atoms)."""
    status = atoms.get("s")
    return {
        "message": f"{atoms.get('m')} {atoms.get('U')} {status}",
        "method": atoms.get("m"),
        "path": atoms.get("U"),
        "status": int(str(status)) if str(status).isdigit() else status,
        "duration_ms": atoms.get("M"),
        "bytes": atoms.get("B"),
        "remote_addr": atoms.get("h"),
    }
