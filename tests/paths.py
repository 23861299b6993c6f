"""Where the tests find the repository's files: one definition, wherever a test module sits."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: The tests' own inputs (reproducers, small models, benchmark fixtures).
DATA = ROOT / "tests" / "data"
PROBLEMS = ROOT / "problems"
MIP = PROBLEMS / "mip"
LOGIC = PROBLEMS / "logic"
MINLP = PROBLEMS / "minlp"
MPEC = PROBLEMS / "mpec"
