"""Provenance stays inside the repository: every citation of docs/references.md resolves to an
entry, nothing cites a document a user of the package never sees, and no confidence tag
contradicts its own text (in docs/references.md and in the cost data files)."""
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
REFERENCES = ROOT / "docs/references.md"
TAGS = set("VSRAE")
# Words that contradict a tag. V: read in the source itself; S: a secondary source, not a guess.
# R, A and E entries must say what is missing.
FORBIDDEN = {
    "V": ("weak", "recalled", "assum", "placeholder", "guess", "not found", "unverified",
          "to verify", "extrapolat"),
    "S": ("weakly", "recalled", "placeholder", "guess"),
}
REQUIRED = {     # regular expressions, one of which the text must match
    "R": ("recall", "verify", "re-check", "re-read"),
    "A": ("assum", "default", "our choice", "chosen", "calibrat", r"\bno\b.*\bsource"),
    "E": ("extrapolat",),
}
# Documents outside the repository (names split so that this file does not cite them itself).
OUTSIDE = re.compile("|".join(re.escape(n) for n in (
    "papers" + ".md", "costs" + ".md", "peers" + ".md", "DESIGN" + ".md", "../" + "shared",
    "shared/" + "research")))
CITATION = re.compile(r"references\.md#([A-Za-z0-9_-]+)")


def entries() -> dict[str, str]:
    """id -> the entry's text (up to the next heading)."""
    text = REFERENCES.read_text(encoding="utf-8")
    out = {}
    for block in re.split(r"^(?=#{2,3} )", text, flags=re.M):
        m = re.match(r"### (\S+)\n", block)
        if m:
            assert m.group(1) not in out, f"duplicate entry {m.group(1)}"
            out[m.group(1)] = block[m.end():]
    return out


def tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    out = []
    for name in names:
        path = ROOT / name
        if path.is_file() and path.suffix in (".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".csv",
                                              ".ipynb", ".cfg", ".json", "") and path.stat().st_size < 2_000_000:
            out.append(path)
    return out


def contradiction(tag: str, text: str, inherited: frozenset = frozenset()) -> str | None:
    """Why ``tag`` contradicts ``text``, or None. ``inherited``: ids of entries with the same tag;
    an entry derived from one of them (naming it) carries its tag without repeating why."""
    low = text.lower()
    for word in FORBIDDEN.get(tag, ()):
        if word in low:
            return f"tag {tag} but the text says '{word}'"
    if tag in REQUIRED and not any(re.search(word, low) for word in REQUIRED[tag]) \
            and not any(re.search(rf"\b{re.escape(i)}\b", low) for i in inherited):
        return f"tag {tag} but the text does not say what is missing ({', '.join(REQUIRED[tag])})"
    return None


def tag_of(text: str) -> str | None:
    tags = re.findall(r"^- conf: (\S+)\s*$", text, re.M)
    return tags[0] if len(tags) == 1 else None


def test_entries_are_well_formed_and_consistent():
    found = entries()
    assert len(found) > 40
    by_tag = {t: frozenset(k for k, v in found.items() if tag_of(v) == t) for t in TAGS}
    for key, text in found.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key), f"{key}: ids are lower-case-with-dashes"
        tag = tag_of(text)
        assert tag in TAGS, f"{key}: one '- conf: V|S|R|A|E' line"
        assert re.search(r"^- source: \S", text, re.M), f"{key}: no source"
        problem = contradiction(tag, text, by_tag[tag] - {key})
        assert problem is None, f"{key}: {problem}"


def test_every_citation_resolves():
    known = set(entries())
    broken = []
    for path in tracked_text_files():
        for line_no, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            broken += [f"{path.relative_to(ROOT)}:{line_no}: #{key}" for key in CITATION.findall(line)
                       if key not in known]
    assert not broken, "citations without an entry in docs/references.md:\n" + "\n".join(broken)


def test_nothing_cites_a_document_outside_the_repository():
    found = []
    for path in tracked_text_files():
        for line_no, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{line_no}: {line.strip()[:100]}")
    assert not found, "cite docs/references.md instead:\n" + "\n".join(found)


@pytest.mark.parametrize("path", sorted((ROOT / "accelsim/cost/data").glob("*.yaml")), ids=lambda p: p.name)
def test_cost_data_tags_agree_with_their_sources(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for name, entry in data.items():
        if not isinstance(entry, dict) or "conf" not in entry:
            continue
        assert entry["conf"] in TAGS, f"{path.name}: {name}: conf {entry['conf']}"
        problem = contradiction(entry["conf"], str(entry.get("source", "")))
        assert problem is None, f"{path.name}: {name}: {problem}"


@pytest.mark.parametrize("tag, text, bad", [
    ("V", "hwcomponents-cacti (weak primary)", True),
    ("S", "weakly sourced default, a config uses 20", True),
    ("R", "Judd et al., MICRO 2016, Table 2; recalled, to verify", False),
    ("R", "Judd et al., MICRO 2016, Table 2", True),
    ("E", "power law through the FP16 and FP32 anchors, extrapolated to p = 2", False),
    ("A", "Horowitz, ISSCC 2014", True),
])
def test_the_contradiction_rules_catch_what_they_should(tag, text, bad):
    assert (contradiction(tag, text) is not None) == bad
