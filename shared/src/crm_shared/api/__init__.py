from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute, etag_for
from crm_shared.api.pagination import Page, decode_cursor, encode_cursor
from crm_shared.api.problems import Problem, install_problem_handlers

__all__ = [
    "ExpectedVersionDep",
    "IfMatchRoute",
    "Page",
    "Problem",
    "decode_cursor",
    "encode_cursor",
    "etag_for",
    "install_problem_handlers",
]
