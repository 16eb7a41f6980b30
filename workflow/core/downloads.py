"""Files sent to the browser: always as attachments, never cached by proxies."""
from flask import Response, send_file

from workflow.core.storage import file_store

# A stored file is sent as a download that nothing may run or frame.
FILE_POLICY = "default-src 'none'; sandbox"


def send_bytes(filename: str, media_type: str, content: bytes) -> Response:
    # A type that names its charset is sent as it is: `mimetype` would add a second one.
    if "charset=" in media_type:
        response = Response(content, content_type=media_type)
    else:
        response = Response(content, mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_stored(sha256: str, filename: str, media_type: str, inline: bool = False):
    response = send_file(file_store().path(sha256), mimetype=media_type, as_attachment=not inline,
                         download_name=filename, conditional=False, etag=False, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = FILE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
