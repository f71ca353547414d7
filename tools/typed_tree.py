"""Make build/typed/edge: symlinks that lay the source out as it is installed, for mypy.

The wheel maps drivers/ -> edge.drivers (and models/, sync/, sim/); mypy reads folders, so it
needs a folder where edge/drivers exists. Nothing here is installed or committed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NESTED = ("drivers", "models", "sync", "sim")


def main() -> None:
    out = ROOT / "build" / "typed" / "edge"
    if out.parent.exists():
        shutil.rmtree(out.parent)
    out.mkdir(parents=True)
    for entry in (ROOT / "edge").iterdir():
        if entry.name != "__pycache__":
            (out / entry.name).symlink_to(entry)
    for name in NESTED:
        (out / name).symlink_to(ROOT / name)


if __name__ == "__main__":
    main()
