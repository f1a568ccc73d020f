"""GET /attachments/{id}: a file that came with a line (EML1), for a caller with the same
bearer token as /graphql. Whoever may read the line gets its bytes; without a valid token
401; any other id, readable or not by someone else, 404 with the same body (SEC5).

The file is the sender's, so the browser is told to save it, never to show it: `attachment`
disposition, the declared type with `nosniff`, a sandboxing CSP should it be opened anyway,
and no shared caching."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from core.errors import NotAuthenticated, NotFound
from core.identity.service import bearer_token
from core.runtime import Backline


def content_disposition(filename: str) -> str:
    """RFC 6266: a plain-ASCII `filename` for old clients (anything else becomes `_`), and the
    exact name as UTF-8 in `filename*` (RFC 8187 percent-encoding)."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\%' else "_" for c in filename) or "attachment"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


def attachment_endpoint(backline: Backline):
    async def download(request: Request) -> Response:
        token = bearer_token(request.headers.get("authorization"))
        try:
            actor = await backline.identity.authenticate(token)
        except NotAuthenticated as exc:
            return _error(401, exc.code, exc.message, **{"WWW-Authenticate": "Bearer"})
        raw = request.path_params["attachment_id"]
        try:
            if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
                raise NotFound(f"No attachment with id {raw[:40]}.")
            file = await backline.transcripts.attachments.download(actor, int(raw))
        except NotFound as exc:
            return _error(404, exc.code, exc.message)
        return Response(file.data, headers={
            "Content-Type": file.content_type,  # as declared: no charset added to a text/* file
            "Content-Disposition": content_disposition(file.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, no-store",
        })

    return download
