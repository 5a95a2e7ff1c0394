#!/usr/bin/env python3
"""Lists Rust functions in src/ longer than a limit, from the `fn` line to its closing brace
(unit-test modules, which hold tables, and the benchmark tool under src/bin are not counted).

A function over 40 lines needs a comment saying why (a line containing "long:" in the comment
block just above it); none may be over 60. Exits 1 when a function breaks either rule.
"""
import pathlib
import re
import sys

FN = re.compile(r"^\s*(pub(\([a-z]+\))?\s+)?(async\s+)?(const\s+)?fn\s+(\w+)")


def functions(path):
    lines = path.read_text().splitlines()
    # Unit tests at the end of a file (`#[cfg(test)] mod tests`) are tables, not steps.
    for k, line in enumerate(lines):
        if line.startswith("#[cfg(test)]"):
            lines = lines[:k]
            break
    i = 0
    while i < len(lines):
        m = FN.match(lines[i])
        if not m:
            i += 1
            continue
        start, depth, opened, j = i, 0, False, i
        while j < len(lines):
            code = re.sub(r"'(\\.|[^'\\])'", "''", lines[j])
            code = re.sub(r'"(\\.|[^"\\])*"', '""', code).split("//")[0]
            depth += code.count("{") - code.count("}")
            opened = opened or "{" in code
            if ";" in code and not opened:
                break  # a declaration without a body
            if opened and depth <= 0:
                break
            j += 1
        if opened:
            above = "\n".join(lines[max(0, start - 8):start])
            yield m.group(5), start + 1, j - start + 1, "long:" in above
        i = j + 1 if opened else i + 1


def main():
    bad = []
    # The benchmark (src/bin/gatehouse-bench) is a measuring tool whose case tables are data.
    for path in sorted(pathlib.Path("src").rglob("*.rs")):
        if "src/bin/" in str(path) or path.name == "tests.rs":
            continue
        for name, line, length, explained in functions(path):
            if length > 60 or (length > 40 and not explained):
                bad.append(f"{path}:{line} {name} is {length} lines")
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
