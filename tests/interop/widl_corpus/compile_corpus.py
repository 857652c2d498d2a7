#!/usr/bin/env python3
"""Generates C++ from Wine's system IDL files (Debian's libwine-dev) and compiles it, as a user with real IDL
would: for every file of LIST, midlc writes its header (imports' headers too, C headers imported with
`import "x.h"` included) and then its client and server stubs, and every generated file is compiled with
-Wall -Wextra -Wpedantic -Werror.

What fails is compared with EXPECTED, one line per file and stage: `<file> stubs <reason>...` (midlc refuses
to generate stubs, for those reasons), `<file> header` or `<file> stubs-compile` (the generated code does
not compile). The test fails on anything not listed (a new refusal or compile failure) and on a listed one
that no longer happens (so the list only shrinks). It prints the counts the README reports.

usage: compile_corpus.py MIDLC EXPECTED LIST CORPUS_DIR CXX INCLUDE_DIR...
  MIDLC_CORPUS_STRIDE=N  every Nth listed file only;  MIDLC_CORPUS_JOBS=N  parallel jobs (default 2)
  MIDLC_CORPUS_UPDATE=1  rewrite EXPECTED from this run (read its diff)
Exit codes: 0 as expected, 1 otherwise, 77 (skipped) if the corpus is not installed."""
import concurrent.futures
import os
import pathlib
import re
import subprocess
import sys
import tempfile

# The words of midlc's "cannot generate" and "cannot be marshaled" errors, as short reasons.
REASONS = [
    ("interface-pointers", r"interface pointers (need MS-DCOM|are generated)"),
    ("conversion-wire-type",
     r"the wire type of '[^']*' \(\[\w+\]\) (holds pointers|cannot be a full|must be a flat|is a \[ref\]|has a conv)"),
    ("no-data", r"void, handle_t and function pointers carry no data|function pointers carry no data"),
    ("union-without-switch-type", r"nothing here names one"),
    ("union-without-discriminant", r"no \[case\] arms and no discriminant|union field needs \[switch_is\]"),
    ("out-pointer-typedef", r"\[out\] parameters through .*pointer typedefs|through .* pointer typedef"),
    ("unique-out", r"\[out\]-only parameter cannot be a \[unique\] or \[ptr\] pointer"),
    ("varying-parameter", r"generated on struct fields only"),
    ("async", r"asynchronous|call objects"),
]


# The C headers that IDL files import (import "x.h") are written for a C file that has included windows.h,
# and some for one that has included another header first: midlc maps those after the files their importers
# import before them (--import); wtypes.idl has the base types (DWORD, UINT32, WCHAR) of Windows' headers.
C_HEADER_CONTEXT = {
    "amva.h": ["wtypes.idl"],
    "bdatypes.h": ["wtypes.idl"],
    "d2dbasetypes.h": ["wtypes.idl"],
    "wsdxmldom.h": ["wtypes.idl"],
    "wsdtypes.h": ["wtypes.idl", "wsdxmldom.h"],  # wsddisco.idl imports wsdxmldom.h before it
}

# Imported by nearly every file: precompiled once.
BASE_FILES = ["wtypes.idl", "unknwn.idl", "objidl.idl", "oaidl.idl", "ocidl.idl"]


def reason(message):
    for name, pattern in REASONS:
        if re.search(pattern, message):
            return name
    return "other: " + message


def run(args, cwd=None):
    p = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def main():
    midlc, expected_path, list_path, corpus, cxx = sys.argv[1:6]
    includes = sys.argv[6:]
    corpus = pathlib.Path(corpus)
    if not corpus.is_dir():
        print(f"compile_corpus: {corpus} is missing (Debian package libwine-dev); skipped")
        return 77
    stride = int(os.environ.get("MIDLC_CORPUS_STRIDE", "1"))
    jobs = int(os.environ.get("MIDLC_CORPUS_JOBS", "2"))
    listed = [l.strip() for l in pathlib.Path(list_path).read_text().splitlines()
              if l.strip() and not l.startswith("#")]
    files = listed[::stride]

    work = pathlib.Path(tempfile.mkdtemp(prefix="midlc-corpus-"))
    gen = work / "gen"
    base = [midlc, "--no-default-imports", "--no-cpp-quote", "-I", str(corpus), "-D__WIDL__", "-o", str(gen)]

    # C headers that the files import (import "x.h"): midlc writes their C++ mapping as it does for IDL.
    imported_h = set()
    for f in listed:
        imported_h.update(re.findall(r'^\s*import\s+"([^"]+\.h)"', (corpus / f).read_text(errors="replace"),
                                     re.M))
    failures = {}  # (file, stage) -> [reasons]

    def header(name):
        context = []  # a C header is written to follow others (--import, see C_HEADER_CONTEXT)
        if name.endswith(".h"):
            for f in C_HEADER_CONTEXT.get(name, []):
                context += ["--import", f]
        rc, out = run(base + context + ["--header", str(corpus / name)])
        return name, rc, out

    pool = concurrent.futures.ThreadPoolExecutor(jobs)
    # Every listed file's header is written (the selected files import the others); the selection's are
    # compiled.
    for name, rc, out in pool.map(header, sorted(imported_h) + listed):
        if rc != 0 and (name in files or name in imported_h):
            failures[(name, "header")] = [reason(m) for m in re.findall(r": error: (.*)", out)][:1]

    def stubs(name):
        rc, out = run(base + ["--client", "--server", str(corpus / name)])
        return name, rc, out

    generated = []
    for name, rc, out in pool.map(stubs, files):
        if rc == 0:
            generated.append(name)
        else:
            failures[(name, "stubs")] = sorted({reason(m) for m in re.findall(r": error: (.*)", out)})

    # Compile: each header in a translation unit of its own; each stub file on its own.
    flags = [cxx, "-std=c++20", "-fsyntax-only", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-I", str(gen)]
    for d in includes:
        flags += ["-I", d]
    tus = work / "tu"
    tus.mkdir()

    def compile_header(name, with_flags=None):
        stem = pathlib.Path(name).stem
        tu = tus / (stem + ".cpp")
        tu.write_text(f'#include "{stem}.h"\n')
        return name, *run((with_flags or flags) + [str(tu)])

    def compile_stubs(name):
        stem = pathlib.Path(name).stem
        # A header compiled alone (below) has its stubs compiled alone too.
        stub_flags = alone_flags if name in alone else flags
        for suffix in ("_c.cpp", "_s.cpp"):
            rc, out = run(stub_flags + [str(gen / (stem + suffix))])
            if rc != 0:
                return name, rc, out
        return name, 0, ""

    selected = sorted(imported_h) + files + [n for n in BASE_FILES if n in listed and n not in files]
    headers_ok = [n for n in selected if (n, "header") not in failures]
    compiled_headers = 0

    def record(name, rc, out):
        nonlocal compiled_headers
        if rc != 0:
            failures[(name, "header-compile")] = [first_error(out)]
        else:
            compiled_headers += 1

    # The base files nearly every file imports are compiled first, each alone; those that compile become a
    # precompiled header that the other translation units start with (it saves parsing them 240 times, at
    # the price of not noticing a header that forgets to include one of them).
    base_files = [n for n in BASE_FILES if n in headers_ok]
    for name, rc, out in pool.map(compile_header, base_files):
        record(name, rc, out)
    precompiled = [n for n in base_files if (n, "header-compile") not in failures]
    alone_flags = list(flags)
    if precompiled:
        pch = gen / "corpus_pch.h"
        pch.write_text("".join(f'#include "{pathlib.Path(n).stem}.h"\n' for n in precompiled))
        rc, out = run([a for a in flags if a != "-fsyntax-only"] + ["-x", "c++-header", str(pch)])
        if rc != 0:
            print(out)
            return 1
        flags += ["-include", str(pch)]
    # A file that declares what a base file declares too (msxml2.idl and urlmon's msxml.idl, objidlbase.idl
    # and objidl.idl) cannot follow the base headers in one translation unit, as in C without the
    # per-interface guards of MIDL's headers: such a header is compiled alone, as a user would include it,
    # and so are its stubs.
    alone = []
    for name, rc, out in pool.map(compile_header, [n for n in headers_ok if n not in base_files]):
        if rc != 0 and precompiled:
            name, rc, out = compile_header(name, alone_flags)
            if rc == 0:
                alone.append(name)
        record(name, rc, out)
    compiled_stubs = 0
    for name, rc, out in pool.map(compile_stubs, [n for n in generated if (n, "header-compile") not in failures]):
        if rc != 0:
            failures[(name, "stubs-compile")] = [first_error(out)]
        else:
            compiled_stubs += 1

    # Refusals are listed with their reasons; compile failures without their message (printed when new).
    lines = sorted(f"{f} {stage}" + ("" if stage.endswith("compile") else "".join(f" [{r}]" for r in reasons))
                   for (f, stage), reasons in failures.items())
    by_reason = {}
    for (f, stage), reasons in failures.items():
        if stage == "stubs":
            for r in reasons:
                by_reason[r] = by_reason.get(r, 0) + 1
    print(f"compile_corpus: {len(files)} files (and {len(imported_h)} imported C headers): "
          f"{compiled_headers} headers compile; stubs generated for {len(generated)}, "
          f"of which {compiled_stubs} compile; stubs refused for "
          f"{sum(1 for k in failures if k[1] == 'stubs')}")
    if alone:
        print(f"  compiled alone, not after the base headers: {' '.join(sorted(alone))}")
    for r, n in sorted(by_reason.items(), key=lambda x: -x[1]):
        print(f"  stubs refused, {n} files: {r}")

    # A line may end with "  # why" (why a compile failure is principled); the update keeps it.
    listed_lines = [l for l in pathlib.Path(expected_path).read_text().splitlines()
                    if l.strip() and not l.startswith("#")]
    expected = {}
    why = {}
    for l in listed_lines:
        line, _, comment = l.partition("  #")
        expected[line.split(" [")[0]] = line.rstrip()
        if comment:
            why[line.rstrip()] = "  #" + comment

    if os.environ.get("MIDLC_CORPUS_UPDATE"):
        header_text = "".join(l for l in pathlib.Path(expected_path).read_text().splitlines(True)
                              if l.startswith("#"))
        pathlib.Path(expected_path).write_text(header_text + "".join(l + why.get(l, "") + "\n" for l in lines))
        print(f"compile_corpus: wrote {expected_path}")
        return 0

    checked = set(selected)
    actual = {l.split(" [")[0]: l for l in lines}
    bad = False
    for key, line in sorted(actual.items()):
        if expected.get(key) != line:
            bad = True
            print(f"UNEXPECTED: {line}" + (f"   (expected: {expected[key]})" if key in expected else ""))
            f, stage = key.split(" ")[:2]
            if stage.endswith("compile"):
                print("  " + "\n  ".join(failures[(f, stage)]))
    for key, line in sorted(expected.items()):
        file, stage = key.split(" ")[:2]
        # Stubs are made for the selected files only; headers also for the base files they import.
        if key not in actual and file in (files if stage.startswith("stubs") else checked):
            bad = True
            print(f"NOW PASSES (remove it from {expected_path}): {line}")
    if bad:
        print(f"compile_corpus: failed; work folder kept: {work}")
        return 1
    subprocess.run(["rm", "-rf", str(work)])
    return 0


def first_error(out):
    for line in out.splitlines():
        if "error" in line:
            return re.sub(r"^.*?: (fatal )?error: ", "", line)[:200]
    return out.strip().splitlines()[-1][:200] if out.strip() else "failed"


if __name__ == "__main__":
    sys.exit(main())
