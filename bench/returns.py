"""Generate N filled returns for the benchmarks (a few distinct fills, copied under many units)."""

from __future__ import annotations

import random
from pathlib import Path

from htsd_cli.campaign.config import Config
from htsd_cli.campaign.form import Form
from htsd_cli.campaign.roster import Roster, Unit
from htsd_cli.fill import fill_workbook
from htsd_cli.template import build_template, file_name
from htsd_cli.writing.package import Stamper

DISTINCT = 40


def bench_roster(form: Form, n: int) -> Roster:
    types = [t.code for t in form.unit_types]
    units = tuple(
        Unit(
            f"DV{i:05d}",
            f"Đơn vị số {i}",
            types[i % len(types)],
            types[i % len(types)],
            f"Nhóm {i % 30}",
        )
        for i in range(n)
    )
    return Roster(units, Path("bench-roster.csv"))


def random_values(form: Form, rng: random.Random, unit_type: str = "") -> dict[str, object]:
    """Figures for the rows a unit of `unit_type` answers (every row when it is not given)."""
    values: dict[str, object] = {}
    for ind in form.indicators:
        if not ind.applies(unit_type):
            continue
        if ind.kind == "yesno":
            values[ind.id] = rng.choice(["Có", "Không"])
        elif ind.kind == "text":
            values[ind.id] = f"Kế hoạch số {rng.randint(1, 300)}/KH"
        elif ind.kind == "money":
            values[ind.id] = rng.randint(0, 50) * 100_000
        else:
            values[ind.id] = rng.randint(1, 40)
    for ind in form.indicators:  # keep the form's rules satisfied
        if ind.id not in values:
            continue
        if ind.id.startswith("s5_nguoi_"):
            values[ind.id] = int(values[ind.id.replace("nguoi", "lop")]) * rng.randint(10, 30)  # type: ignore[call-overload]
        if (
            ind.id.startswith("s7_")
            and ind.id != "s7_tthtcd"
            and values.get("s7_tthtcd") == "Không"
        ):
            values[ind.id] = "Không"  # a criterion met only by a centre that meets the rules
    if values.get("s1_ke_hoach") == "Không":
        values.pop("s1_so_ke_hoach", None)  # no plan, no plan number
    return values


def make_returns(
    form: Form, config: Config, n: int, folder: Path, seed: int = 1
) -> tuple[Roster, list[Path]]:
    """N returns, one per unit: DISTINCT sets of figures, each stamped with many units' identity."""
    roster = bench_roster(form, n)
    rng = random.Random(seed)
    returns = folder / "returns"
    returns.mkdir(parents=True, exist_ok=True)
    # as htsd issues them: one template per unit type, each unit filling the rows it answers
    stampers: dict[str, list[Stamper]] = {}
    for kind in sorted({u.unit_type for u in roster.units}):
        blank = folder / f"template-{kind}.xlsx"
        blank.write_bytes(build_template(form, config, blank=False, unit_type=kind))
        stampers[kind] = [
            Stamper(fill_workbook(blank, random_values(form, rng, kind)))
            for _ in range(max(1, DISTINCT // 8))
        ]
        blank.unlink()
    paths = []
    for i, unit in enumerate(roster.units):
        target = returns / file_name(form, unit)
        choices = stampers[unit.unit_type]
        target.write_bytes(choices[i % len(choices)].stamp(unit))
        paths.append(target)
    return roster, sorted(paths)
