"""Run one command; print its wall time, CPU time and peak memory as one JSON object.

    python benchmarks/measure.py [--cwd DIR] [--timeout S] -- COMMAND [ARG...]

Each measurement runs in a fresh process of this script, so ``RUSAGE_CHILDREN`` afterwards holds
exactly the command's process tree: CPU is user + system time of the command and every
descendant it waited for (worker pools included), and ``ru_maxrss`` is the peak resident memory
of the largest single process in that tree (what the kernel keeps; a sum over a pool's workers
at one instant is not available from it). The command's output goes to /dev/null, except the
end of its stderr, kept for the report when it fails.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def measure(command: list[str], cwd: str | None, timeout: float) -> dict[str, object]:
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    except OSError as exc:
        return {"error": f"cannot run {command[0]}: {exc.strerror or exc}"}
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    rss_bytes = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": rss_bytes / 2**20,
        "exit": proc.returncode,
        "stderr": proc.stderr.decode("utf-8", "replace")[-2000:],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cwd")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    print(json.dumps(measure(command, args.cwd, args.timeout)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
