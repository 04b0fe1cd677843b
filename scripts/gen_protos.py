"""Generates the Python protobuf and gRPC code from protos/ into libs/contracts/src (or --out)."""
from __future__ import annotations

import argparse
import pathlib
import shutil
import sys

import grpc_tools
from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
DEFAULT_OUT = ROOT / "libs" / "contracts" / "src"


def generate(out: pathlib.Path) -> list[pathlib.Path]:
    """Regenerates every *_pb2 module; returns the generated files relative to out."""
    target = out / "paars"
    if target.exists():
        shutil.rmtree(target)
    out.mkdir(parents=True, exist_ok=True)
    sources = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    well_known = pathlib.Path(grpc_tools.__file__).parent / "_proto"
    code = protoc.main(
        [
            "grpc_tools.protoc",
            f"-I{PROTOS}",
            f"-I{well_known}",
            f"--python_out={out}",
            f"--pyi_out={out}",
            f"--grpc_python_out={out}",
            *sources,
        ]
    )
    if code != 0:
        raise SystemExit(f"protoc failed with exit code {code}")
    generated = sorted(p.relative_to(out) for p in target.rglob("*.py*"))
    for directory in {p.parent for p in target.rglob("*.py")} | {target}:
        # Regular packages (not namespace ones) so that mypy and editable installs agree.
        (directory / "__init__.py").touch()
    return generated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    files = generate(args.out)
    print(f"generated {len(files)} files into {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
