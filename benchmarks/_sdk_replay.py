"""The SDK side of bench_core's whole-process comparison: a script a user would write to get
the final message of a recorded stream with the official SDK, printed as JSON.

    .venv/bin/python benchmarks/_sdk_replay.py FILE
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anthropic
import httpx2


def main(path: str) -> None:
    body = Path(path).read_bytes()
    transport = httpx2.MockTransport(
        lambda request: httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)
    )
    client = anthropic.Anthropic(api_key="sk-ant-test-bench", http_client=httpx2.Client(transport=transport))
    request = {"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]}
    with client.messages.stream(**request) as stream:  # type: ignore[arg-type]
        message = stream.get_final_message()
    json.dump(message.to_dict(mode="json"), sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
