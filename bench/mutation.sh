#!/usr/bin/env bash
# Mutation testing (mutmut) of the modules that decide figures and verdicts ([tool.mutmut] in
# pyproject.toml); prints the score of each module and of all, and lists the survivors in
# bench/out-mutants.txt. Slow (tens of minutes on two cores), so it is not part of .ci/run.
# Usage: bash bench/mutation.sh                 every module
#        bash bench/mutation.sh 'htsd_cli.values*' 'htsd_cli.aggregate*'   some modules
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pip install -q "mutmut>=3.8,<4"
rm -rf mutants
.venv/bin/mutmut run --max-children 2 "$@" >/dev/null 2>&1 || true
.venv/bin/mutmut results --all true > bench/out-mutants.txt 2>/dev/null || true
.venv/bin/python - <<'PY'
import collections
import re
from pathlib import Path

rows = re.findall(r"^\s*([\w.]+)__mutmut_\d+: (\w[\w ]*)$", Path("bench/out-mutants.txt").read_text(), re.M)
by_module: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
for name, status in rows:
    found = re.match(r"(.*?)\.x(?:_|\u01c1)", name)
    by_module[found.group(1) if found else name][status.strip()] += 1
total: collections.Counter[str] = collections.Counter()
for module, counts in sorted(by_module.items()):
    total.update(counts)
    killed, judged = counts["killed"], counts["killed"] + counts["survived"]
    other = {k: v for k, v in counts.items() if k not in ("killed", "survived")}
    print(f"{module:32s} {killed:5d}/{judged:<5d} killed ({100 * killed / max(judged, 1):.0f} %)"
          + (f"  also: {other}" if other else ""))
judged = total["killed"] + total["survived"]
print(f"{'all':32s} {total['killed']:5d}/{judged:<5d} killed ({100 * total['killed'] / max(judged, 1):.0f} %)")
print("survivors: bench/out-mutants.txt; look at one with .venv/bin/mutmut show <name>")
PY
