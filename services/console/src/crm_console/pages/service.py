"""Service pages (placeholder until built)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from crm_console.session import ViewerDep
from crm_console.web import render

router = APIRouter()


@router.get("/service", response_class=HTMLResponse)
async def index(request: Request, viewer: ViewerDep) -> HTMLResponse:
    return render(request, "home.html")
