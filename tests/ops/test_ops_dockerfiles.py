"""Dockerfile policy (pinned multi-stage builds, non-root, protobuf code generated inside) plus hadolint."""
from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sysconfig
from dataclasses import dataclass

import pytest
from ops_support import ROOT, SERVICES

PINNED_BASE = re.compile(r"^python:3\.11\.\d+-slim(-[a-z]+)?(@sha256:[0-9a-f]{64})?$")
IMAGE_UID = "10001"  # the pods' runAsUser


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    stage: int


def parse(path: pathlib.Path) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped; stage counts the FROMs so far."""
    instructions: list[Instruction] = []
    pending = ""
    stage = -1
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        pending = ""
        if keyword.upper() == "FROM":
            stage += 1
        instructions.append(Instruction(keyword.upper(), args.strip(), stage))
    return instructions


def dockerfile(service: str) -> pathlib.Path:
    return ROOT / "services" / service / "Dockerfile"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_the_dockerfile_follows_the_image_policy(service: str) -> None:
    instructions = parse(dockerfile(service))
    froms = [i for i in instructions if i.keyword == "FROM"]
    assert len(froms) >= 2, "multi-stage: build tools stay out of the runtime image"
    for f in froms:
        image = f.args.split()[0]
        assert PINNED_BASE.match(image), f"base image {image!r} is not python:3.11.<patch>-slim pinned"
    assert len({f.args.split()[0] for f in froms}) == 1, "the venv is copied, so every stage needs the same Python"
    assert not [i for i in instructions if i.keyword == "ADD"], "ADD fetches URLs and unpacks archives: use COPY"
    final = len(froms) - 1
    users = [i for i in instructions if i.keyword == "USER"]
    assert users and users[-1].stage == final, "the runtime stage sets USER"
    assert users[-1].args.split(":")[0] == IMAGE_UID, f"USER {users[-1].args}: numeric non-root {IMAGE_UID}"
    assert all(i.keyword not in ("RUN",) for i in instructions[instructions.index(users[-1]):]), "RUN after USER"
    build_runs = " ".join(i.args for i in instructions if i.keyword == "RUN" and i.stage < final)
    assert "-c constraints.txt grpcio-tools" in build_runs, "grpcio-tools must come from constraints.txt"
    assert "scripts/gen_protos.py" in build_runs, "the protobuf code is generated in the build stage"
    assert f"-c constraints.txt libs/contracts libs/platform services/{service}" in build_runs
    final_runs = " ".join(i.args for i in instructions if i.keyword == "RUN" and i.stage == final)
    assert "pip install" not in final_runs and "apt-get" not in final_runs
    assert any(i.keyword == "COPY" and i.args.startswith("--from=") and i.stage == final for i in instructions)
    [cmd] = [i for i in instructions if i.keyword == "CMD"]
    assert json.loads(cmd.args) == ["python", "-m", SERVICES[service].package]
    exposed = {p for i in instructions if i.keyword == "EXPOSE" for p in i.args.split()}
    assert exposed == {str(SERVICES[service].grpc_port), str(SERVICES[service].metrics_port)}


def test_hadolint_finds_nothing(ops_tools) -> None:
    hadolint = pathlib.Path(sysconfig.get_path("scripts")) / "hadolint"
    files = [str(dockerfile(s)) for s in sorted(SERVICES)]
    done = subprocess.run([str(hadolint), "--failure-threshold", "style", *files], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_build_context_sends_only_what_the_images_need() -> None:
    lines = [ln for ln in (ROOT / ".dockerignore").read_text().splitlines() if ln and not ln.startswith("#")]
    assert lines[0] == "*", "an allow-list: a new top-level folder (a .venv, secrets) stays out by default"
    allowed = {ln[1:].rstrip("/") for ln in lines if ln.startswith("!")}
    assert allowed == {"constraints.txt", "protos", "scripts/gen_protos.py", "libs", "services"}


def test_the_parser_sees_through_continuations_and_stages(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM a:1 AS b\n# c\nRUN x \\\n    && y\nFROM a:1\nUSER 1\n")
    assert parse(path) == [
        Instruction("FROM", "a:1 AS b", 0), Instruction("RUN", "x && y", 0),
        Instruction("FROM", "a:1", 1), Instruction("USER", "1", 1),
    ]
