from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.enrich.boilerplate import find_boilerplate, mask
from services.enrich.casing import soften_shouting

ARTICLE = """KYIV (Example Wire) -- The council met on Monday.

The mayor said the bridge would reopen.

The mayor speaks to reporters at the town hall. (Jane Doe/Example Images)

Live Briefing: The Bridge Repairs

Example News's live briefing gives you the latest developments. For all coverage, click here.

Subscribe To Example's 'Morning Note'

Get a digest of the day's news in your inbox every day. Sign up here.

Repairs will take six weeks.

With reporting by Example Wire

Please let us know if you're having issues with commenting."""


def test_each_kind_of_boilerplate_is_found_and_nothing_else() -> None:
    found = {ARTICLE[s.start : s.end]: s.kind for s in find_boilerplate(ARTICLE)}
    assert found == {
        "(Example Wire)": "credit",
        "The mayor speaks to reporters at the town hall. (Jane Doe/Example Images)": "caption",
        "Live Briefing: The Bridge Repairs": "promo",
        "Example News's live briefing gives you the latest developments. For all coverage, "
        "click here.": "promo",
        "Subscribe To Example's 'Morning Note'": "newsletter",
        "Get a digest of the day's news in your inbox every day. Sign up here.": "newsletter",
        "With reporting by Example Wire": "credit",
        "Please let us know if you're having issues with commenting.": "comments",
    }


def test_lines_before_a_dateline_are_front_matter() -> None:
    text = "The minister arrives for the meeting.\n\nPARIS -- The minister said no."
    (span,) = find_boilerplate(text)
    assert (span.kind, text[span.start : span.end]) == (
        "front matter",
        "The minister arrives for the meeting.",
    )


def test_masking_keeps_length_and_newlines() -> None:
    masked = mask(ARTICLE, find_boilerplate(ARTICLE))
    assert len(masked) == len(ARTICLE)
    assert masked.count("\n") == ARTICLE.count("\n")
    assert "Sign up" not in masked
    assert "Repairs will take six weeks." in masked


def test_shouting_is_softened_but_acronyms_stay() -> None:
    assert soften_shouting("WASHINGTON -- NATO said") == "Washington -- NATO said"
    assert soften_shouting("NATO CHIEF SAYS CHINA MUST PAY") == "Nato Chief says China must PAY"
    assert soften_shouting("The UN and the EU met.") == "The UN and the EU met."


@given(st.text())
def test_boilerplate_and_casing_never_move_offsets(text: str) -> None:
    assert len(soften_shouting(text)) == len(text)
    masked = mask(text, find_boilerplate(text))
    assert len(masked) == len(text)
