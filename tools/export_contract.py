"""Regenerate `contract/`: the AsyncAPI and OpenAPI documents and each event's JSON Schema.

    .venv/bin/python -m tools.export_contract

`tests/unit/test_contract.py` fails when the committed files differ from what this writes.
"""

from __future__ import annotations

import json
from pathlib import Path

from newswire.contract import asyncapi_json, event_schemas, openapi_document

CONTRACT = Path(__file__).resolve().parents[1] / "contract"


def rendered() -> dict[Path, str]:
    """Every contract file by path, as it should read."""
    files = {
        CONTRACT / "asyncapi.json": _pretty(json.loads(asyncapi_json())),
        CONTRACT / "openapi.json": _pretty(openapi_document()),
    }
    for name, schema in event_schemas().items():
        files[CONTRACT / "schemas" / f"{name}.schema.json"] = _pretty(schema)
    return files


def _pretty(document: object) -> str:
    # Sorted keys: FastStream orders channels by set iteration, which varies between runs.
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> None:
    """Write the files and list them."""
    for path, text in rendered().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(CONTRACT.parent)}")


if __name__ == "__main__":
    main()
