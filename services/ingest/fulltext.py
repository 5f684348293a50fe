"""Full text of a linked article page, for feeds whose entries carry only a summary."""

from __future__ import annotations

import logging

_PARAGRAPH_BREAK = "\n\n"


def _paragraphs(text: str) -> str:
    # trafilatura's text output puts one paragraph (or heading, or list item) on each line.
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return _PARAGRAPH_BREAK.join(line for line in lines if line)


def extract_article_text(page: bytes | str, *, url: str | None = None) -> str | None:
    """Main article text of a web page, paragraphs separated by blank lines, or None when nothing
    article-like is found.

    `page` is the already-downloaded HTML (bytes are decoded by trafilatura's charset sniffing);
    `url` only helps the heuristics, nothing is fetched. Comments, tables and boilerplate are
    left out, favouring precision over recall.
    """
    # An empty page has nothing to find, and trafilatura would log it as an error.
    if not page.strip():
        return None
    # Imported here: it is slow to import and only feeds with full text turned on need it.
    import trafilatura

    # It logs pages it rejects as errors without saying which article; the poller reports
    # that outcome itself, with the article id, as a warning.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    text = trafilatura.extract(
        page,
        url=url,
        output_format="txt",
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        with_metadata=False,
    )
    return _paragraphs(text or "") or None
