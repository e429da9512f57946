"""The start page: where each area of the console is, for the areas the person's role may
use."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from crm_console.session import ViewerDep
from crm_console.web import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, viewer: ViewerDep) -> HTMLResponse:
    return render(request, "home.html")
