#!/usr/bin/env bash
# Mutation testing (mutmut) of the modules that decide figures and verdicts ([tool.mutmut] in
# pyproject.toml); prints the score of each module and of all, and lists the survivors in
# bench/out-mutants.txt. Slow (tens of minutes on two cores), so it is not part of .ci/run.
# Usage: bash bench/mutation.sh                 every module, from scratch (about five hours)
#        bash bench/mutation.sh 'htsd_cli.base.values*' 'htsd_cli.totals.aggregate*'   some modules
#        bash bench/mutation.sh --again         only the mutants that survived the last run
#                                               (after adding tests for them), then the score
#        bash bench/mutation.sh --score         the score of the last run, nothing run
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pip install -q "mutmut>=3.8,<4"
case "${1:-}" in
--score) ;;
--again)
    mapfile -t survivors < <(.venv/bin/mutmut results 2>/dev/null |
        sed -n 's/^ *\([^ ]*\): \(survived\|no tests\)$/\1/p')
    # Which tests call which function is learnt again (tests changed since the last run call
    # more of the code); the verdicts of mutants already killed are kept.
    .venv/bin/python - <<'PY'
import json
from pathlib import Path

stats = Path("mutants/mutmut-stats.json")
data = json.loads(stats.read_text())
data["duration_by_test"], data["tests_by_mangled_function_name"] = {}, {}
stats.write_text(json.dumps(data))
PY
    if [ "${#survivors[@]}" -gt 0 ]; then
        .venv/bin/mutmut run --max-children 2 "${survivors[@]}" >/dev/null 2>&1 || true
    fi
    ;;
*)
    rm -rf mutants
    .venv/bin/mutmut run --max-children 2 "$@" >/dev/null 2>&1 || true
    ;;
esac
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
