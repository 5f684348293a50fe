"""The commonest feed markup read without a parser: paragraphs of text with bare inline tags.

For a fragment of `<p>` elements holding text and attribute-less inline tags, the general
cleaner (`html`) parses it with lxml, finds nothing the policy removes and serialises the
tree back to the same markup; its paragraphs are the `<p>` elements and the text between
them. Reading those straight from the string spares the parse, two tree walks and the
serialisation, most of a fragment's cost. Anything else (an attribute, an entity, another
tag, nesting, upper case, a stray `>`) is left to the general path; Hypothesis tests hold
the two equal (tests/unit/test_ingest_simplehtml.py).
"""

from __future__ import annotations

# Phrasing tags the policy keeps as they are when they carry no attribute: inside a <p> they
# end no paragraph and drop no text.
_INLINE_CLOSING = {
    name: f"/{name}"
    for name in (
        *("b", "i", "em", "strong", "u", "s", "small", "sub", "sup"),
        *("code", "mark", "span", "abbr", "cite", "q"),
    )
}


def simple_paragraphs(fragment: str) -> list[str] | None:
    """The paragraphs of `fragment` in order (not collapsed, some blank), or None.

    None unless the fragment is `<p>` elements of text and bare inline tags (one level), with
    only text around them, and no `&`: then its markup is already what the cleaner outputs.
    """
    # lxml writes a text's "&" and ">" as references: markup with them is not written back as is.
    if "&" in fragment:
        return None
    pieces = fragment.split("<")
    if ">" in pieces[0]:
        return None
    # The text before the first <p>, then each <p>'s text and the text after it, in turn.
    paragraphs = [pieces[0]]
    in_paragraph = False
    closing: str | None = None  # the end tag of the open inline element
    for piece in pieces[1:]:
        name, closed, text = piece.partition(">")
        if not closed or ">" in text:
            return None
        if closing is not None:
            if name != closing:
                return None
            closing = None
            paragraphs[-1] += text
        elif in_paragraph and name in _INLINE_CLOSING:
            closing = _INLINE_CLOSING[name]
            paragraphs[-1] += text
        elif name == ("/p" if in_paragraph else "p"):
            in_paragraph = not in_paragraph
            paragraphs.append(text)
        else:
            return None
    return paragraphs if len(paragraphs) > 1 and not in_paragraph else None
