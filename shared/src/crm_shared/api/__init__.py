from crm_shared.api.concurrency import etag_for, require_if_match
from crm_shared.api.pagination import Page, decode_cursor, encode_cursor
from crm_shared.api.problems import Problem, install_problem_handlers

__all__ = [
    "Page",
    "Problem",
    "decode_cursor",
    "encode_cursor",
    "etag_for",
    "install_problem_handlers",
    "require_if_match",
]
