"""Derive the emulator's compact Web API method table from Slack's published OpenAPI spec.

Input: Slack's Web API spec, Swagger 2.0 (``slackapi/slack-api-specs``,
``web-api/slack_web_openapi_v2.json``, MIT licensed). Output:
``slack_emulator/slack_web_api_methods.json``, one entry per method::

    {"chat.postMessage": {"verb": "POST",
                          "params": {"channel": true, "text": false, ...},
                          "errors": ["channel_not_found", ...]}}

``params`` maps every documented argument except ``token`` (auth is checked separately) to
whether the spec marks it required; ``errors`` is the error enum of the method's error
response schema (empty when the spec lists none). The license is copied next to the output.

Usage: ``python -m slack_emulator.extract_spec [SPEC_JSON] [OUTPUT_DIR]``.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_SPEC = HERE.parent.parent / "shared" / "slack" / "web-api-openapi-v2.json"  # shared/ beside the checkout
DEFAULT_OUTPUT_DIR = HERE
OUTPUT_NAME = "slack_web_api_methods.json"
LICENSE_NAME = "LICENSE-slack-api-specs"
SOURCE = "slackapi/slack-api-specs web-api/slack_web_openapi_v2.json (MIT, see LICENSE-slack-api-specs)"


def documented_errors(operation: dict[str, Any]) -> list[str]:
    """The error codes listed in an operation's non-200 response schemas, sorted."""
    errors: set[str] = set()
    for status, response in operation.get("responses", {}).items():
        if status == "200":
            continue
        error = response.get("schema", {}).get("properties", {}).get("error", {})
        errors.update(str(code) for code in error.get("enum", []))
    return sorted(errors)


def derive(openapi: dict[str, Any]) -> dict[str, Any]:
    """The compact method table derived from the whole OpenAPI document."""
    methods: dict[str, Any] = {}
    for path, operations in sorted(openapi["paths"].items()):
        for verb, operation in sorted(operations.items()):
            params = {
                str(param["name"]): bool(param.get("required", False))
                for param in operation.get("parameters", [])
                if param["name"] != "token"
            }
            methods[path.lstrip("/")] = {
                "verb": verb.upper(),
                "params": dict(sorted(params.items())),
                "errors": documented_errors(operation),
            }
    return {"source": SOURCE, "methods": methods}


def render(extract: dict[str, Any]) -> str:
    """The extract as the text written to disk (stable, one line per method)."""
    lines = [f'{{"source": {json.dumps(extract["source"])}, "methods": {{']
    items = list(extract["methods"].items())
    for index, (name, entry) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        lines.append(f"  {json.dumps(name)}: {json.dumps(entry, sort_keys=True)}{comma}")
    lines.append("}}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """Write the extract and the license; return the process exit status."""
    spec_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SPEC
    output_dir = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUTPUT_DIR
    openapi = json.loads(spec_path.read_text(encoding="utf-8"))
    extract = derive(openapi)
    (output_dir / OUTPUT_NAME).write_text(render(extract), encoding="utf-8")
    shutil.copyfile(spec_path.parent / LICENSE_NAME, output_dir / LICENSE_NAME)
    print(f"wrote {len(extract['methods'])} methods to {output_dir / OUTPUT_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
