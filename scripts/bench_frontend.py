#!/usr/bin/env python3
"""Compares midlc's CPU time with widl 7.0's (mingw-w64-tools) on the widl corpus: Wine's system IDL files
listed in tests/interop/widl_corpus/accepted.txt (Debian's libwine-dev).

Each file is compiled by midlc as the corpus test runs it (--no-default-imports -I CORPUS -D__WIDL__), writing
its header, client and server files into a temporary folder, then at once by widl with the outputs closest to
those (-h -c -s -p: header, client and server stubs, and the proxies and stubs of COM interfaces, which midlc
puts into its client and server files). The CPU time of each run (user + sys, the preprocessor it runs
included) and its wall time are summed over the files both accept; widl's failures are listed and left out;
so are the files midlc refuses only in its remoting checks, as the corpus test allows.

usage: scripts/bench_frontend.py [--rounds N] [--limit N] [--pin CPU] [--midlc PATH] [--widl PATH]
                                 [--midlc-arg ARG]... [--corpus DIR]
Exit codes: 0 done; 1 midlc failed on a listed file; 2 a tool, the corpus or the list is missing.
"""
import argparse
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
LIST = ROOT / "tests/interop/widl_corpus/accepted.txt"
CORPUS = "/usr/include/wine/wine/windows"
WIDL_OUTPUTS = ["-h", "-c", "-s", "-p"]
# midlc's refusals in its remoting checks (as run_corpus.sh): refused on principle or for a limit, not a bug.
REMOTING = re.compile(r": error: (cannot generate |.* cannot be marshaled: )")


def fail(message, code=2):
    print(f"bench_frontend: {message}", file=sys.stderr)
    sys.exit(code)


def run_timed(argv, cwd, log_path):
    """Runs argv to the end; returns (exit code, CPU seconds of it and its children, wall seconds)."""
    with open(log_path, "wb") as log:
        start = time.perf_counter()
        p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, usage.ru_utime + usage.ru_stime, wall


def tail(path, lines=15):
    text = pathlib.Path(path).read_text(errors="replace").splitlines()
    return "\n".join("    " + l for l in text[-lines:]) or "    (no output)"


def midlc_refusal(code, log_path):
    """None if midlc accepted the file; 'remoting' if it refused it only in its remoting checks; else 'error'."""
    if code == 0:
        return None
    if code < 0:
        return "error"  # killed by a signal
    errors = [l for l in pathlib.Path(log_path).read_text(errors="replace").splitlines() if ": error: " in l]
    return "remoting" if errors and all(REMOTING.search(l) for l in errors) else "error"


def main():
    sys.stdout.reconfigure(line_buffering=True)  # in order with stderr's messages when both are redirected
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=1, help="repeat the corpus N times; report the median totals")
    ap.add_argument("--limit", type=int, help="the first N listed files only")
    ap.add_argument("--pin", metavar="CPU", help="run both tools under taskset -c CPU")
    ap.add_argument("--midlc", default=str(ROOT / "build/src/midlc"), help="default: %(default)s")
    ap.add_argument("--widl", default=shutil.which("x86_64-w64-mingw32-widl") or "x86_64-w64-mingw32-widl",
                    help="default: x86_64-w64-mingw32-widl on PATH")
    ap.add_argument("--midlc-arg", action="append", default=[], metavar="ARG",
                    help="an extra argument for midlc (repeatable; write --midlc-arg=--x for one with a dash)")
    ap.add_argument("--corpus", default=CORPUS, help="Wine's IDL folder (default: %(default)s)")
    args = ap.parse_args()
    if args.rounds < 1:
        fail("--rounds must be at least 1")

    midlc = shutil.which(args.midlc) if os.sep not in args.midlc else args.midlc
    if not midlc or not os.access(midlc, os.X_OK) or not os.path.isfile(midlc):
        fail(f"midlc not found or not executable: {args.midlc} (build the project, or give --midlc PATH)")
    midlc = os.path.abspath(midlc)
    widl = shutil.which(args.widl)
    if not widl:
        fail(f"widl not found: {args.widl} (Debian package mingw-w64-tools; scripts/install-deps.sh installs it)")
    corpus = pathlib.Path(args.corpus)
    if not corpus.is_dir():
        fail(f"{corpus} is missing (Debian package libwine-dev)")
    if not LIST.is_file():
        fail(f"{LIST} is missing")
    pin = []
    if args.pin is not None:
        if not shutil.which("taskset"):
            fail("--pin needs taskset (util-linux)")
        pin = ["taskset", "-c", args.pin]

    files = [l.strip() for l in LIST.read_text().splitlines() if l.strip() and not l.lstrip().startswith("#")]
    if args.limit is not None:
        files = files[:args.limit]
    missing = [f for f in files if not (corpus / f).is_file()]
    if missing:
        fail(f"listed files missing from {corpus}: {' '.join(missing)}")
    # Warm the page cache, so that the first tool to read a file (midlc) pays no disk time the second does not.
    for p in corpus.iterdir():
        if p.is_file():
            p.read_bytes()

    work = pathlib.Path(tempfile.mkdtemp(prefix="bench-frontend-"))
    midlc_out, widl_out = work / "midlc", work / "widl"
    midlc_out.mkdir()
    widl_out.mkdir()
    midlc_cmd = pin + [midlc, "--no-default-imports", "-I", str(corpus), "-D__WIDL__", "-o", str(midlc_out),
                       *args.midlc_arg]
    # widl writes FILE.h, FILE_c.c, FILE_s.c and FILE_p.c into its working folder (never give it /dev/null as
    # an output: it deletes its outputs when it fails).
    widl_cmd = pin + [widl, "--nostdinc", "-I", str(corpus), *WIDL_OUTPUTS]
    print("midlc:", " ".join(midlc_cmd), "FILE")
    print(f"widl:  (cd {widl_out} &&", " ".join(widl_cmd), "FILE)")
    print("widl's outputs: -h -c -s -p (header, RPC client and server stubs, COM proxies and stubs), as midlc "
          "writes its header and its client and server files (RPC stubs and COM proxies and stubs)")

    # times[tool][file] = [(cpu, wall) per round]
    times = {"midlc": {f: [] for f in files}, "widl": {f: [] for f in files}}
    widl_rejects = {}  # file -> first line of its message
    midlc_refused = set()
    started = time.perf_counter()
    try:
        for r in range(args.rounds):
            for f in files:
                log = work / "midlc.log"
                code, cpu, wall = run_timed(midlc_cmd + [str(corpus / f)], None, log)
                refusal = midlc_refusal(code, log)
                if refusal == "error":
                    print(f"bench_frontend: midlc fails on {f} (exit {code}), listed as accepted in {LIST.name}:",
                          file=sys.stderr)
                    print(tail(log), file=sys.stderr)
                    return 1
                if refusal == "remoting":
                    midlc_refused.add(f)
                times["midlc"][f].append((cpu, wall))

                log = work / "widl.log"
                code, cpu, wall = run_timed(widl_cmd + [str(corpus / f)], widl_out, log)
                if code != 0:
                    lines = log.read_text(errors="replace").splitlines()
                    widl_rejects[f] = (lines[-1] if lines else "") if code > 0 else f"killed by signal {-code}"
                times["widl"][f].append((cpu, wall))
            if args.rounds > 1:
                print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - started

    both = [f for f in files if f not in widl_rejects and f not in midlc_refused]
    if not both:
        fail("no file is accepted by both tools", 1)
    mb = sum((corpus / f).stat().st_size for f in both) / 1e6

    def total(tool, which):  # median over rounds of the corpus totals
        return statistics.median(sum(times[tool][f][r][which] for f in both) for r in range(args.rounds))

    def per_file(tool, f):
        return statistics.median(c for c, _ in times[tool][f])

    print()
    print(f"{len(files)} listed files; widl rejects {len(widl_rejects)}, midlc's remoting checks refuse "
          f"{len(midlc_refused)}; both accept {len(both)}")
    rounds = f" (median of {args.rounds} rounds)" if args.rounds > 1 else ""
    print(f"\n{'tool':<7}{'files':>7}{'input MB':>10}{'CPU s':>10}{'CPU s/MB':>10}{'wall s':>10}{rounds}")
    cpu = {}
    for tool in ("midlc", "widl"):
        cpu[tool] = total(tool, 0)
        print(f"{tool:<7}{len(both):>7}{mb:>10.3f}{cpu[tool]:>10.3f}{cpu[tool] / mb:>10.3f}"
              f"{total(tool, 1):>10.3f}")
    ratio = cpu["midlc"] / cpu["widl"] if cpu["widl"] > 0 else float("inf")
    wall_ratio = total("midlc", 1) / total("widl", 1)
    print(f"midlc/widl: CPU {ratio:.2f}x, wall {wall_ratio:.2f}x")

    print("\nthe 5 files where midlc's CPU time is largest relative to widl's:")
    floor = 1e-4  # a run's CPU time below 0.1 ms is noise
    rel = sorted(both, key=lambda f: per_file("midlc", f) / max(per_file("widl", f), floor), reverse=True)
    width = max(len(f) for f in rel[:5]) + 2
    print(f"  {'file':<{width}}{'KB':>8}{'midlc ms':>10}{'widl ms':>10}{'ratio':>8}")
    for f in rel[:5]:
        m, w = per_file("midlc", f), per_file("widl", f)
        print(f"  {f:<{width}}{(corpus / f).stat().st_size / 1e3:>8.1f}{m * 1e3:>10.1f}{w * 1e3:>10.1f}"
              f"{m / max(w, floor):>8.1f}")

    if widl_rejects:
        print("\nwidl rejects (left out):")
        for f, why in sorted(widl_rejects.items()):
            print(f"  {f}: {why}")
    if midlc_refused:
        print(f"\nmidlc's remoting checks refuse (left out): {' '.join(sorted(midlc_refused))}")
    print(f"\n{elapsed:.1f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
