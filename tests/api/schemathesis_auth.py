"""Schemathesis hooks for the OpenAPI run: sign in as the test team's owner, and
send raw upload chunks.

Loaded by the ``st`` process through SCHEMATHESIS_HOOKS. The run itself signs out
and revokes tokens, so a 401 makes schemathesis sign in again and replay the request.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import schemathesis


@schemathesis.auth()
class OwnerLogin:
    def get(self, case: Any, context: Any) -> str:
        response = httpx.post(
            f"{os.environ['TIDINGS_FUZZ_URL']}/api/v1/auth/login",
            json={
                "email": os.environ["TIDINGS_FUZZ_EMAIL"],
                "password": os.environ["TIDINGS_FUZZ_PASSWORD"],
            },
            timeout=30,
        )
        response.raise_for_status()
        return str(response.json()["token"])

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


# Upload chunks are raw bytes under tus's media type: send them as any binary body.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
