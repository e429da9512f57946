"""The follow ups routes (being built)."""

from fastapi import APIRouter

router = APIRouter()
