#!/usr/bin/env bash
# Mutation testing (mutmut) of the modules that decide figures and verdicts; prints the score.
# Slow (tens of minutes on two cores), so it is not part of .ci/run. Usage: bash bench/mutation.sh
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pip install -q "mutmut>=3.2"
rm -rf mutants
.venv/bin/mutmut run --max-children 2 || true
.venv/bin/mutmut results > bench/out-mutants.txt || true
.venv/bin/python - <<'PY'
import re
from pathlib import Path
text = Path("bench/out-mutants.txt").read_text(encoding="utf-8")
survived = len(re.findall(r": survived", text))
print(f"surviving mutants: {survived} (list in bench/out-mutants.txt); "
      "see `mutmut browse` for the score by module")
PY
