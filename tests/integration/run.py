#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Run every integration test (tests/integration/test_*.py, functions test_*).

Usage: run.py [NAME-SUBSTRING...]   Ends with the line 'N passed, N failed'.
"""
import importlib.util
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import Skip  # noqa: E402


def load_tests():
    for name in sorted(os.listdir(HERE)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(HERE, name))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for attr in dir(mod):
            if attr.startswith("test_") and callable(getattr(mod, attr)):
                yield f"{name[:-3]}.{attr}", getattr(mod, attr)


def main(filters):
    if os.geteuid() != 0:
        print("integration tests load BPF programs: run them as root (sudo make test)")
        print("0 passed, 1 failed")
        return 1
    passed = failed = skipped = 0
    for name, fn in load_tests():
        if filters and not any(f in name for f in filters):
            continue
        start = time.monotonic()
        try:
            fn()
        except Skip as why:
            skipped += 1
            print(f"skip {name}: {why}")
            continue
        except Exception:  # one failing test never stops the others
            failed += 1
            print(f"FAIL {name} ({time.monotonic() - start:.1f}s)")
            traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print(f"ok   {name} ({time.monotonic() - start:.1f}s)")
        sys.stdout.flush()
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
