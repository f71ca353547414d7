"""`make bench`: run every bench/bench_*.py, merge their figures into bench/results.json.

Each module exposes `run() -> {"metric": {"value": N, "unit": "...", "note": "..."}}`. A module
that fails is reported with its error and does not stop the others. `python bench/run.py NAME`
runs only the modules whose name contains NAME (and keeps the other figures already in the file).
"""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"


def main(argv: list[str]) -> int:
    only = argv[0] if argv else ""
    results: dict[str, dict[str, object]] = {}
    if RESULTS.exists() and only:
        results = json.loads(RESULTS.read_text())
    failed = 0
    for path in sorted(HERE.glob("bench_*.py")):
        if only and only not in path.stem:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        started = time.monotonic()
        print(f"== {path.stem}", flush=True)
        try:
            spec.loader.exec_module(module)
            figures = module.run()
        except Exception:
            failed += 1
            traceback.print_exc()
            results[f"{path.stem}.error"] = {"value": 1, "unit": "error",
                                             "note": traceback.format_exc().splitlines()[-1]}
            continue
        for name, fig in figures.items():
            results[name] = fig
        print(f"   ({time.monotonic() - started:.1f} s)")
    results["_machine"] = {"value": 0, "unit": "info",
                           "note": f"{platform.machine()} {platform.python_version()} "
                                   f"measured {time.strftime('%Y-%m-%d', time.gmtime())}"}
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    width = max(len(k) for k in results)
    for name in sorted(results):
        fig = results[name]
        print(f"{name:<{width}}  {fig['value']!s:>12} {fig['unit']:<10} {fig.get('note', '')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
