#!/usr/bin/env python3
"""Adds the man pages and shell completions to the Homebrew formula dist generates.

dist's formula installs the binary and leaves every other file of the release
archive in the formula's pkgshare, where neither `man` nor the shells look.
This puts `man/*.1` in man1 and `completions/` where Homebrew's bash, zsh and
fish completion directories are, before dist's catch-all, and fails (exit 2)
when the formula no longer has the line it anchors on, so a change in dist's
template stops the release instead of shipping a formula without them.

Usage: homebrew_formula.py FORMULA.rb   (rewritten in place)
"""

import sys

ANCHOR = "leftover_contents = Dir[\"*\"] - doc_files"
MARKER = "# man pages and shell completions of the release archive"
INSTALL = """\
    {marker}
    man1.install Dir["man/*.1"]
    bash_completion.install "completions/uo-aws-tui.bash" => "uo-aws-tui"
    zsh_completion.install "completions/_uo-aws-tui"
    fish_completion.install "completions/uo-aws-tui.fish"
    rm_r ["man", "completions"]
"""


def patch(text: str) -> str:
    """The formula with the install lines before dist's leftover rule."""
    if MARKER in text:
        return text
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip() == ANCHOR:
            return "".join(lines[:i]) + INSTALL.format(marker=MARKER) + "".join(lines[i:])
    raise ValueError(f"no line `{ANCHOR}` in the formula: dist's template changed")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    path = argv[1]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        patched = patch(text)
    except ValueError as e:
        print(f"{path}: {e}", file=sys.stderr)
        return 2
    with open(path, "w", encoding="utf-8") as f:
        f.write(patched)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
