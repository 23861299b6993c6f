"""The README's Python examples run as written and their assertions hold."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

from tests.paths import README

BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 3, "the README must show the model, logic and program examples"


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index: int, tmp_path: Path) -> None:
    """Each block runs from a file, as a user would paste it (@bw.program reads source)."""
    script = tmp_path / f"readme_example_{index}.py"
    script.write_text(BLOCKS[index])
    runpy.run_path(str(script), run_name="__main__")
