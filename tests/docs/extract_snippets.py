#!/usr/bin/env python3
"""Writes the code blocks of a Markdown guide that follow a `<!-- file: NAME -->` line into OUTDIR/NAME,
blocks of one name concatenated in the order they appear, so that a test can compile and run what the guide
shows. Usage: extract_snippets.py GUIDE.md OUTDIR NAME... (every NAME must have a block, and every block's
name must be listed: nothing in the guide escapes the test). A file is rewritten only when it changes."""
import pathlib
import re
import sys


def main() -> int:
    guide, outdir, names = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3:]
    lines = guide.read_text(encoding="utf-8").split("\n")
    files: dict[str, list[str]] = {}
    i = 0
    while i < len(lines):
        marker = re.fullmatch(r"<!-- file: (\S+) -->", lines[i].strip())
        i += 1
        if not marker:
            continue
        if i >= len(lines) or not lines[i].startswith("```"):
            print(f"{guide}:{i}: error: `<!-- file: {marker[1]} -->` is not followed by a code block")
            return 1
        start = i + 1
        end = start
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        if end == len(lines):
            print(f"{guide}:{i + 1}: error: unterminated code block")
            return 1
        files.setdefault(marker[1], []).append(f"// {guide.name}:{start + 1}\n" if marker[1].endswith(".cpp") else "")
        files[marker[1]][-1] += "\n".join(lines[start:end]) + "\n"
        i = end + 1
    unlisted = sorted(set(files) - set(names))
    missing = sorted(set(names) - set(files))
    if unlisted or missing:
        print(f"{guide}: error: blocks for unlisted files {unlisted}, no blocks for {missing}")
        return 1
    outdir.mkdir(parents=True, exist_ok=True)
    for name in names:
        text = "\n".join(files[name])
        path = outdir / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
