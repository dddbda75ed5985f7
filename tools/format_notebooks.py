"""Format the notebooks' code cells to the book's 88-column code column (`make format`).

ruff formats the code, but it leaves two kinds of long line alone: a trailing comment, and a long
string. This tool first moves a trailing comment that makes its line too long onto its own lines
above it (wrapped), then runs `ruff format`, then splits a long string literal that sits inside
brackets into adjacent literals (Python joins them) at a space, and formats again. Only the code
cells' sources change, never their outputs or metadata, so the stored outputs stay valid.

    python tools/format_notebooks.py notebooks/*.ipynb          # rewrite in place
    python tools/format_notebooks.py --check notebooks/*.ipynb  # list lines still over 88 columns
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import tokenize
from pathlib import Path

WIDTH = 88
_STRING_PREFIX = re.compile(r"^([rRbBuUfF]{0,2})('|\")")


def _tokens(source: str) -> list[tokenize.TokenInfo] | None:
    try:
        return list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None


def _has_magic(source: str) -> bool:
    return any(line.lstrip().startswith(("%", "!")) for line in source.splitlines())


def move_long_comments(source: str, width: int = WIDTH) -> str:
    """Wrap a comment that runs past `width`; a trailing one goes on its own lines above."""
    tokens = _tokens(source)
    if tokens is None:
        return source
    lines = source.split("\n")
    moves = {}  # row (1-based) -> comment text
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        row, col = tok.start
        line = lines[row - 1]
        if len(line) <= width:
            continue
        moves[row] = tok.string
    for row in sorted(moves, reverse=True):
        line = lines[row - 1]
        comment = moves[row]
        col = line.index(comment, len(line.rstrip()) - len(comment))
        code = line[:col].rstrip()
        indent = len(line) - len(line.lstrip())
        text = comment.lstrip("#").strip()
        wrapped = textwrap.wrap(text, width - indent - 2) or [""]
        block = [" " * indent + "# " + piece for piece in wrapped]
        # a comment on its own line is wrapped in place
        lines[row - 1 : row] = block + ([code] if code else [])
    return "\n".join(lines)


def _split_points(body: str, is_f: bool) -> list[int]:
    """Indices just after a space in `body` where the literal may be cut (not inside {...})."""
    points, depth, i = [], 0, 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if is_f and ch in "{}":
            if i + 1 < len(body) and body[i + 1] == ch:
                i += 2
                continue
            depth += 1 if ch == "{" else -1
        elif ch == " " and depth == 0:
            points.append(i + 1)
        i += 1
    return points


def split_long_strings(source: str, width: int = WIDTH) -> str:
    """Split string literals that run past `width` inside brackets into adjacent literals."""
    tokens = _tokens(source)
    if tokens is None:
        return source
    lines = source.split("\n")
    depth = 0
    edits = []  # (row, col, old, new)
    for tok in tokens:
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        if tok.type != tokenize.STRING or depth == 0 or tok.start[0] != tok.end[0]:
            continue
        row, col = tok.start
        if len(lines[row - 1]) <= width:
            continue
        m = _STRING_PREFIX.match(tok.string)
        if not m or tok.string[m.end() - 1 : m.end() + 2] in ('"""', "'''"):
            continue
        prefix, quote = m.group(1), m.group(2)
        body = tok.string[m.end() : -1]
        is_f = "f" in prefix.lower()
        room = width - col - len(prefix) - 2
        pieces, rest = [], body
        while len(rest) > room:
            cuts = [p for p in _split_points(rest, is_f) if p <= room and p < len(rest)]
            if not cuts:
                break
            pieces.append(rest[: cuts[-1]])
            rest = rest[cuts[-1] :]
        if not pieces:
            continue
        pieces.append(rest)
        literals = []
        for piece in pieces:
            # a piece without braces needs no f prefix
            p = prefix
            if is_f and "{" not in piece and "}" not in piece:
                p = prefix.replace("f", "").replace("F", "")
            literals.append(f"{p}{quote}{piece}{quote}")
        new = ("\n" + " " * col).join(literals)
        edits.append((row, col, tok.string, new))
    for row, col, old, new in sorted(edits, reverse=True):
        line = lines[row - 1]
        assert line[col : col + len(old)] == old
        lines[row - 1] = line[:col] + new + line[col + len(old) :]
    return "\n".join(lines)


def _ruff_format(source: str) -> str:
    """The source as `ruff format` writes it (the project's settings in pyproject.toml)."""
    ruff = Path(sys.executable).with_name("ruff")
    cmd = [str(ruff) if ruff.exists() else "ruff", "format", "--stdin-filename", "cell.py", "-"]
    done = subprocess.run(cmd, input=source, capture_output=True, text=True, check=True)
    return done.stdout.rstrip("\n")


def _cell_source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _set_source(cell: dict, text: str) -> None:
    lines = text.split("\n")
    cell["source"] = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def long_lines(nb: dict, width: int = WIDTH) -> list[tuple[int, str]]:
    """(cell index, line) of every code line longer than `width`."""
    return [
        (i, line)
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code"
        for line in _cell_source(cell).splitlines()
        if len(line) > width
    ]


def _write(path: Path, nb: dict) -> None:
    text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _rewrite(path: Path, step) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and not _has_magic(_cell_source(cell)):
            _set_source(cell, step(_cell_source(cell)))
    _write(path, nb)


def format_source(source: str) -> str:
    """Move long comments, ruff-format, split long strings, ruff-format again."""
    source = _ruff_format(move_long_comments(source))
    for _ in range(3):
        source = _ruff_format(split_long_strings(source))
    return source


def format_notebook(path: Path) -> None:
    """Rewrite the code cells of one notebook (cells with IPython magics are left alone)."""
    _rewrite(path, format_source)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="only list lines over 88 columns")
    args = parser.parse_args(argv)
    bad = 0
    for path in args.notebooks:
        if not args.check:
            format_notebook(path)
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, line in long_lines(nb):
            bad += 1
            print(f"{path}: cell {i}: {len(line)} columns: {line.strip()[:60]}...")
    return 1 if args.check and bad else 0


if __name__ == "__main__":
    sys.exit(main())
