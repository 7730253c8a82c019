"""`accelsim refs`: the references travel with the package, and `list` points to them."""
import re

from accelsim import bundled


def test_refs_prints_the_entry_with_its_confidence(run_cli):
    code, out, _ = run_cli("refs", "dadiannao-node-layout")
    assert code == 0 and out.startswith("### dadiannao-node-layout\n- conf: R\n")
    assert "67.73 mm^2" in out and "### " not in out[4:]      # that entry alone


def test_refs_lists_every_entry_once(run_cli):
    code, out, _ = run_cli("refs")
    ids = [line.split()[0] for line in out.splitlines()]
    headings = re.findall(r"^### (\S+)$", bundled.references().read_text(encoding="utf-8"), re.M)
    assert code == 0 and ids == headings and len(ids) > 50


def test_refs_unknown_id_is_one_line_with_the_close_ones(run_cli):
    code, out, err = run_cli("refs", "stripe")
    assert code == 2 and out == "" and err.count("\n") == 1 and "close: stripes" in err


def test_list_points_to_refs_not_to_the_checkout(run_cli):
    code, out, _ = run_cli("list")
    assert code == 0 and "docs/references.md" not in out and "accelsim refs pragmatic" in out
    # every id it names resolves
    for ident in re.findall(r"accelsim refs ([a-z0-9-]+)", out):
        assert bundled.reference(ident).startswith(f"### {ident}\n")
