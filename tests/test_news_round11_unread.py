"""Round 11 of the news pipeline (issue 15): sentences the extractor never read or filtered wrongly
(an excerpt's last sentence cut short, a sentence broken across lines, hedges that scope another clause). Every sentence here is invented for the test."""
from __future__ import annotations

from chokepoint.news import extract as X
from chokepoint.news.triggers import find_triggers


def _types(s: str) -> list[str]:
    return [t.type for t in find_triggers(s)]


def _events(text: str, gaz) -> list[tuple[str, str]]:
    return [(e.type, e.actor) for e in X.extract("d", text, None, gaz)]


# -- lines without end punctuation --------------------------------------------------------------------
def test_an_excerpts_last_sentence_cut_short_is_read(gaz):
    body = ("Lithium Ties Deepen\n\nOfficials from both countries met in Seoul last week.\n\n"
            "South Korea signed a lithium supply agreement with Chile on Tuesday to secure raw materials for its")
    assert ("DEAL", "KOR") in _events(body, gaz)


def test_a_figure_cut_at_the_excerpts_end_gives_no_amount(gaz):
    body = ("Officials from both countries met in Seoul last week.\n\n"
            "South Korea signed a lithium supply agreement with Chile worth $11.5 mill")
    deal = [e for e in X.extract("d", body, None, gaz) if e.type == "DEAL"]
    assert [(e.actor, e.amount) for e in deal] == [("KOR", None)]  # not $11.5, its scale lost


def test_a_title_cased_last_line_is_still_a_headline(gaz):
    body = "Officials from both countries met in Seoul last week.\n\nSouth Korea Signs Lithium Supply Agreement With Chile"
    assert ("DEAL", "KOR") not in _events(body, gaz)


def test_a_last_line_with_text_after_it_is_no_cut_sentence(gaz):
    body = ("Officials met in Seoul last week.\n\nSouth Korea signed a lithium supply agreement with Chile on Tuesday\n\n"
            "Officials met again on Wednesday.")
    assert ("DEAL", "KOR") not in _events(body, gaz)


def test_a_sentence_broken_across_lines_is_read_as_one():
    text = "Intro line.\n\nJapan said on Monday that\n\nthe new curbs on exports of dual-use goods\n\nto the country were unacceptable.\n\nNext."
    spans = [text[a:b] for a, b in X._joined(text)]
    assert any(s.startswith("Japan said") and s.endswith("were unacceptable.") for s in spans)
    assert "Next." in spans and "Intro line." in spans


# -- filters that misfired -----------------------------------------------------------------------------
def test_a_concessive_opening_on_a_reported_deal_restates_it():
    assert "DEAL" not in _types("While the deal does give details on a few items, it comes as rivals expand their reach.")


def test_a_hedging_adverb_in_a_later_clause_leaves_the_first_asserted():
    s = ("Japan provided a $100 million loan to the refinery, while two banks will lend $500 million, "
         "reportedly lifting output to 5,000 tons.")
    assert "INVEST" in _types(s)
    assert "INVEST" not in _types("Japan has reportedly provided a $100 million loan to the refinery.")


def test_a_modal_on_the_objects_description_hedges_no_event():
    assert "EXPORT_CONTROL" in _types("China banned exports of items with potential military uses to Japan.")
    assert "EXPORT_CONTROL" not in _types("China could ban exports of dual-use items to Japan.")
    # "so that" opens a purpose clause, no description of the object: its modal still hedges
    assert "DEAL" not in _types("India suspended an old agreement to supply ores to Japan so that it could keep them.")


def test_a_modal_inside_a_quotation_hedges_only_the_quote():
    s = "\"We hope both sides will deepen ties in every field,\" Lee said at the meeting with Ishiba in Tokyo."
    assert "TALKS" in _types(s)
    assert "TALKS" not in _types("Lee hopes to hold a meeting with Ishiba in Tokyo.")


def test_comes_at_a_time_when_opens_the_news():
    s = "The plan comes at a time when China, the top producer, imposed export controls on graphite."
    assert "EXPORT_CONTROL" in _types(s)
