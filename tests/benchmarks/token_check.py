"""6. What checking a bearer token costs a request: ``TokenVerifier.principal`` (RS256
signature, issuer, audience, times, with the issuer's keys already cached, as every service
runs it), against reading the same token's claims without checking anything (base64 and
JSON: the least any token-reading service does). CPU time per token, in-process.
"""

import base64
import json
import time

from crm_shared.testing.auth import token_for, trusting_verifier

from tests.benchmarks.harness import Harness
from tests.benchmarks.plan import Plan
from tests.benchmarks.report import Section


def _claims_unchecked(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    claims: dict[str, object] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


async def run(harness: Harness, plan: Plan, section: Section) -> None:
    verifier = trusting_verifier()
    token = token_for("sales", team="north")
    count = plan.token_checks
    await verifier.principal(token)  # keys fetched and parsed once, as on a warm service

    started = time.process_time()
    for _ in range(count):
        await verifier.principal(token)
    checked = (time.process_time() - started) / count

    started = time.process_time()
    for _ in range(count):
        _claims_unchecked(token)
    unchecked = (time.process_time() - started) / count

    section.add("per token", "CPU", "µs", checked * 1e6, unchecked * 1e6)
    section.note(
        f"{count:,} tokens each; a create costs ~5.5 ms of server CPU, so the check is "
        f"{checked / 0.0055:.1%} of it"
    )


def section(plan: Plan) -> Section:
    return Section(
        key="token",
        title="6. Bearer token check per request (in-process)",
        service_name="verified",
        baseline_name="claims read unchecked",
        method=[
            "crm_shared.auth.TokenVerifier.principal on one RS256 token (2048-bit key, keys",
            "cached), vs base64 + JSON of the same token's claims; process CPU time / tokens.",
        ],
    )
