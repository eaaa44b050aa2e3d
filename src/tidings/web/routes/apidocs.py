"""The interactive API reference at ``/api/v1/docs``: Swagger UI shipped inside the
package (``make`` copies it from npm), started by a static script so that the page
works offline and under the Content-Security-Policy (no inline script)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from tidings.web.render import templates

router = APIRouter()


@router.get("/api/v1/docs", response_class=HTMLResponse)
async def api_docs(request: Request) -> Response:
    """Interactive API documentation (Swagger UI), served from the package."""
    return templates.TemplateResponse(
        request, "api_docs.html", {"openapi_url": request.app.openapi_url}
    )
