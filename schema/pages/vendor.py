"""Rebuilds schema/pages/vendor/ from the npm registry (`make vendor`): the third-party
browser files the pages use, at pinned versions, each package's licence beside its files.

The result is committed: `make run` and `make test` need no build step, no Node and no
network (WEB3). Run it only to change a version; it needs `npm` (the registry's own client).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "vendor"

# package, version, files taken from the package (paths inside it), the licence first.
PACKAGES = (
    ("preact", "10.24.3", ("LICENSE", "dist/preact.module.js", "hooks/dist/hooks.module.js")),
    ("htm", "3.1.1", ("LICENSE", "dist/htm.module.js")),
    ("graphql-ws", "5.16.0", ("LICENSE.md", "lib/client.mjs", "lib/common.mjs", "lib/utils.mjs")),
    ("uplot", "1.6.31", ("LICENSE", "dist/uPlot.esm.js", "dist/uPlot.min.css")),
    # GraphiQL's own page (schema/pages/graphiql.html) loads these instead of unpkg.com.
    ("react", "18.2.0", ("LICENSE", "umd/react.production.min.js")),
    ("react-dom", "18.2.0", ("LICENSE", "umd/react-dom.production.min.js")),
    ("graphiql", "3.8.3", ("LICENSE", "graphiql.min.js", "graphiql.min.css")),
)

# Source maps are not vendored: a browser with its tools open would ask for them and get 404s.
SOURCE_MAP = re.compile(rb"\n?//# sourceMappingURL=\S+\s*$")


def vendor_package(name: str, version: str, files: tuple[str, ...], work: Path) -> None:
    out = subprocess.run(["npm", "pack", "--silent", f"{name}@{version}"], cwd=work, check=True,
                         capture_output=True, text=True).stdout.split()[-1]
    target = VENDOR / name
    shutil.rmtree(target, ignore_errors=True)
    with tarfile.open(work / out) as archive:
        for path in files:
            member = archive.extractfile(f"package/{path}")
            if member is None:
                raise SystemExit(f"{name}@{version} has no {path}")
            dest = target / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(SOURCE_MAP.sub(b"\n", member.read()))
    print(f"vendored {name}@{version}: {', '.join(files)}")


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        for name, version, files in PACKAGES:
            vendor_package(name, version, files, Path(folder))
    lines = [f"{name}@{version}" for name, version, _ in PACKAGES]
    (VENDOR / "VERSIONS").write_text("# Rebuilt by `make vendor` (schema/pages/vendor.py).\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
