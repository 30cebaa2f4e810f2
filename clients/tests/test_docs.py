"""docs/workers.md shows code that the tests run: every block marked with the file it comes from must equal
that file, and every minimal worker the tests run must be shown."""
import re

from conftest import ROOT

DOC = ROOT / "docs" / "workers.md"
MARKED_BLOCK = re.compile(r"<!-- from: (\S+) -->\n```\w*\n(.*?)```", re.S)


def test_every_marked_code_block_is_a_copy_of_its_file():
    blocks = MARKED_BLOCK.findall(DOC.read_text())
    assert blocks, "docs/workers.md has no blocks marked <!-- from: PATH -->"
    for path, code in blocks:
        assert (ROOT / path).read_text() == code, f"docs/workers.md differs from {path}: copy the file again"


def test_every_language_has_its_minimal_worker_in_the_doc():
    shown = {path for path, _ in MARKED_BLOCK.findall(DOC.read_text())}
    for path in ["clients/python/examples/minimal_worker.py", "clients/php/examples/minimal_worker.php",
                 "clients/c/minimal_worker.c", "Sources/minimal-worker/main.swift"]:
        assert path in shown, f"{path} is not shown in docs/workers.md"
