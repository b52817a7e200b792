from types import SimpleNamespace

from claims.changes import claim_change_rows, claim_change_summary

TEXT = "The ferry company said the crossing would resume on Friday, officials said."


def change(before, after):
    return SimpleNamespace(before=before, after=after)


def span(fragment: str) -> list[int]:
    start = TEXT.index(fragment)
    return [start, start + len(fragment)]


def test_span_edit_shows_the_words_before_and_after():
    edit = change({"content": [span("the crossing would resume")]},
                  {"content": [span("the crossing would resume on Friday")], "version": 3})
    assert claim_change_rows(edit, TEXT) == [
        ("content", "the crossing would resume", "the crossing would resume on Friday")]
    assert claim_change_summary(edit, TEXT) == (
        "content: “the crossing would resume” → “the crossing would resume on Friday”")


def test_source_span_edit_with_a_new_entity_names_both_entities():
    edit = change({"source": [], "source_id": 4},
                  {"source": [span("The ferry company")], "source_id": 9, "version": 2})
    summary = claim_change_summary(edit, TEXT, source_names={4: "officials", 9: "ferry company"})
    assert summary == ("source: nothing → “The ferry company”; "
                       "source entity: officials → ferry company")


def test_status_change_and_unknown_entity_fall_back_to_values_and_ids():
    assert claim_change_summary(change({"status": "open"}, {"status": "rejected"}), TEXT) == (
        "status: open → rejected")
    assert claim_change_summary(change({"source_id": None}, {"source_id": 12}), TEXT) == (
        "source entity: none → #12")


def test_merge_uses_the_names_recorded_in_the_change():
    merge = change({"source_id": 4, "source_name": "the ferry firm"},
                   {"source_id": 9, "source_name": "ferry company", "merged": True})
    assert claim_change_rows(merge, TEXT, source_names={4: "stale name"}) == [
        ("source entity", "the ferry firm", "ferry company (merged)")]


def test_creation_lists_what_the_claim_said_without_a_before():
    created = change({}, {"source": [], "cue": [span("said")],
                          "content": [span("the crossing"), span("on Friday")]})
    assert claim_change_rows(created, TEXT) == [
        ("cue", None, "said"), ("content", None, "the crossing … on Friday")]
    assert claim_change_summary(created, TEXT) == "cue: “said”; content: “the crossing … on Friday”"


def test_a_quotation_keeps_its_own_marks_in_the_summary():
    text = "“The pier is safe,” the mayor said."
    edit = change({"content": [[5, 17]]}, {"content": [[0, 19]], "version": 2})
    assert claim_change_summary(edit, text) == (
        "content: “pier is safe” → “The pier is safe,”")
