"""Placeholder router (filled in by the change that builds this package)."""

from fastapi import APIRouter

router = APIRouter()
