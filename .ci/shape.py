"""What `.ci/layers` and `.ci/sizes` share: Rust source read without its
comments and literals, where its test modules are, and how each check runs
(on a tree, or on its own small tree as a self-test)."""

import os
import re
import sys
import tempfile


def code_only(text):
    """`text` with comments, strings and char literals blanked to spaces,
    newlines kept, so offsets and line numbers still match the file."""
    out = list(text)
    i, n = 0, len(text)

    def blank(start, end):
        for k in range(start, min(end, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            blank(i, j)
            i = j
        elif c in "br" and (raw := re.match(r'b?r(#*)"', text[i : i + 260])):
            if i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_"):
                i += 1
                continue
            close = '"' + raw.group(1)
            end = text.find(close, i + raw.end())
            end = n if end < 0 else end + len(close)
            blank(i, end)
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            blank(i, j + 1)
            i = j + 1
        elif c == "'":
            # A char literal ('x', '\n', '\u{7f}'), else a lifetime ('a).
            if text.startswith("\\", i + 1):
                end = text.find("'", i + 2)
                blank(i, end + 1)
                i = end + 1
            elif i + 2 < n and text[i + 2] == "'":
                blank(i, i + 3)
                i += 3
            else:
                i += 1
        else:
            i += 1
    return "".join(out)


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


def matching_brace(code, open_at):
    """The offset of the `}` that closes the `{` at `open_at`."""
    depth = 0
    for k in range(open_at, len(code)):
        if code[k] == "{":
            depth += 1
        elif code[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    return len(code) - 1


# `#[cfg(test)]` or `#[cfg(all(test, …))]`, then a module with a body.
TEST_MODULE = re.compile(
    r"#\[cfg\((?:test|all\(test\b[^\]]*\))\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{"
)


def test_spans(code):
    """(start, end) offsets of each `#[cfg(test)] mod … { … }`."""
    spans = []
    for m in TEST_MODULE.finditer(code):
        spans.append((m.start(), matching_brace(code, m.end() - 1)))
    return spans


def outside(spans, offset):
    return all(not (start <= offset <= end) for start, end in spans)


def run(name, args, findings, cases, advice):
    """A check's command line: `[ROOT]` prints each finding of
    `findings(root)` and fails, with `advice`, if there is any; `--self-test` runs it on
    the tree `cases` gives (files, and the findings expected: file, line
    and a part of the message) and fails unless it finds exactly those."""
    if args == ["--self-test"]:
        files, expected = cases()
        with tempfile.TemporaryDirectory() as root:
            for rel, text in files.items():
                os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
                with open(os.path.join(root, rel), "w", encoding="utf-8") as f:
                    f.write(text)
            got = findings(root)
        ok = len(got) == len(expected) and all(
            (g[0], g[1]) == e[:2] and e[2] in g[2] for g, e in zip(got, expected)
        )
        if not ok:
            print(f"{name} self-test: expected", *expected, "got", *got, sep="\n  ")
            return 1
        print(f"{name} self-test: found the {len(expected)} expected, and nothing else")
        return 0
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    found = findings(root)
    for rel, line, what in found:
        print(f"{rel}:{line}: {what}")
    if found:
        print(f"{name}: {len(found)} finding(s); {advice}", file=sys.stderr)
    return 1 if found else 0


def rust_files(root, under):
    """(path relative to `root`, text) of every `.rs` file below `under`."""
    for dirpath, _, files in sorted(os.walk(os.path.join(root, under))):
        for name in sorted(files):
            if name.endswith(".rs"):
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    yield os.path.relpath(path, root).replace(os.sep, "/"), f.read()
