"""Cost per directory event of signing (goals' outbox relay) and verifying (every directory consumer).

Standalone: an EmployeeChanged record as goals publishes it, signed and verified with the platform's
EventSigner / EventVerifier, against the raw Ed25519 operations and a plain decode. CPU microseconds per
event (process time, median of rounds: on a shared machine wall time mostly measures the neighbours).
Prints a table and writes bench/results/event_signing.json. Not a test: figures, no assertions.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from paars.common.v1 import event_pb2
from paars.org.v1 import org_pb2
from paars_platform.events import decode, new_metadata, to_record
from paars_platform.signing import EventSigner, EventVerifier, signed_bytes

RESULTS = pathlib.Path(__file__).resolve().parent / "results" / "event_signing.json"
EMPLOYEE_CHANGED = "paars.org.v1.EmployeeChanged"


def cpu_microseconds(operation: Callable[[], object], count: int, rounds: int) -> float:
    per_round = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(count):
            operation()
        per_round.append((time.process_time() - start) / count * 1e6)
    return statistics.median(per_round)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    key = Ed25519PrivateKey.generate()
    signer, verifier = EventSigner("goals", key), EventVerifier({"goals": [key.public_key()]})
    record = to_record(org_pb2.EmployeeChanged(
        metadata=new_metadata(producer="goals", subject_id="ann", visibility=event_pb2.VISIBILITY_INTERNAL),
        change=org_pb2.EmployeeChanged.CHANGE_UPDATED,
        employee=org_pb2.Employee(id="ann", name="Ann Peeters", email="ann@paars.example", manager_id="mgr",
                                  team_id="team-a", roles=[org_pb2.ROLE_EMPLOYEE], active=True, version=3),
    ))
    signed = signer.sign(record)
    message = signed_bytes(record.topic, record.key, record.value, record.event_id, "/paars/goals", EMPLOYEE_CHANGED)
    raw_signature = key.sign(message)
    public = key.public_key()
    cases: dict[str, Callable[[], object]] = {
        "sign (EventSigner.sign)": lambda: signer.sign(record),
        "verify (EventVerifier.check)": lambda: verifier.check(signed.topic, signed.key, signed.value, signed.headers),
        "verify + decode (EventVerifier.decode)": lambda: verifier.decode(signed.topic, signed.key, signed.value, signed.headers, EMPLOYEE_CHANGED),
        "plain decode (before)": lambda: decode(signed.value, signed.headers, EMPLOYEE_CHANGED),
        "raw Ed25519 sign": lambda: key.sign(message),
        "raw Ed25519 verify": lambda: public.verify(raw_signature, message),
    }
    results = {name: round(cpu_microseconds(op, args.count, args.rounds), 1) for name, op in cases.items()}
    load = os.getloadavg()[0]
    print(f"EmployeeChanged value {len(record.value)} B, {args.count} x {args.rounds} rounds, load average {load:.1f}")
    for name, us in results.items():
        print(f"  {name:<40} {us:8.1f} us CPU")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"cpu_us_per_event": results, "value_bytes": len(record.value), "load_average": load}, indent=2) + "\n")


if __name__ == "__main__":
    main()
