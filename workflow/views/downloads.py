"""Files sent to the browser: always as attachments, never cached by proxies."""
from flask import Response


def send_bytes(filename: str, media_type: str, content: bytes) -> Response:
    response = Response(content, mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
