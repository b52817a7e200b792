import json

import pytest
from django.core.management import CommandError, call_command

# No django_db mark: pytest-django refuses database access, which proves the command needs none.


def _write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")


def test_extract_claims_writes_one_line_per_article_with_valid_spans(tmp_path):
    texts = {
        "a": "The governor said on Monday that the bridge would reopen in May.",
        "b": "Nothing here is attributed to anyone at all.",
        "c": "“We will not move,” the protesters said. 🚧 Ünïcödé follows.",
    }
    source = tmp_path / "in.jsonl"
    _write_jsonl(source, [{"id": k, "text": v, "extra": [1, 2]} for k, v in texts.items()])
    target = tmp_path / "out.jsonl"
    call_command("extract_claims", str(source), "--output", str(target), "--no-progress")

    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c"]
    by_id = {line["id"]: line["attributions"] for line in lines}
    said = by_id["a"][0]
    text = texts["a"]
    assert [text[s:e] for s, e in said["cue"]] == ["said"]
    assert [text[s:e] for s, e in said["source"]] == ["The governor"]
    assert "the bridge would reopen in May" in " ".join(text[s:e] for s, e in said["content"])
    assert set(said) == {"source", "cue", "content", "kind", "confidence"}
    for key, attributions in by_id.items():
        for attribution in attributions:
            for field in ("source", "cue", "content"):
                for start, end in attribution[field]:
                    assert 0 <= start < end <= len(texts[key])
    assert by_id["c"], "the quoted claim in c is found"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"id": 1, "text": "ok"}\nnot json\n', "line 2: not valid JSON"),
        (b'{"id": 1, "text": "cut\n', r"line 1: not valid JSON \(a string is not closed before "
                                      r"the end of the line, at column 23;"),
        (b'{"id": 1}\n', "line 1: needs the keys 'id' and 'text'"),
        (b'{"id": 1, "text": 5}\n', "'text' must be a string"),
        (b'{"id": 1, "text": "ok"}\n{"id": 2, "text": "caf\xe9"}\n', "line 2: not valid UTF-8"),
    ],
)
def test_extract_claims_reports_bad_input_by_line(tmp_path, content, message):
    source = tmp_path / "in.jsonl"
    source.write_bytes(content)
    target = tmp_path / "out.jsonl"
    with pytest.raises(CommandError, match=message):
        call_command("extract_claims", str(source), "--output", str(target), "--no-progress")


def test_extract_claims_reports_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("extract_claims", str(tmp_path / "nope.jsonl"), "--no-progress")
