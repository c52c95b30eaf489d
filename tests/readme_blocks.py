"""The README's code blocks, read from its Markdown source, and how each command in them runs.

Every fenced block is found with its line number and the section it sits in. A block the tests
cannot run carries a visible marker on the line before its fence:

    <!-- readme-test: not run: WHY -->

Shell lines are split into commands; each command is classified by what it is (see
:func:`classify`), so the runner knows whether to execute it, start it as a server, or check it.
"""

from __future__ import annotations

import re
import shlex
import socket
from dataclasses import dataclass, field
from pathlib import Path

SHELL_LANGUAGES = {"bash", "sh", "shell"}
RUN_LANGUAGES = SHELL_LANGUAGES | {"python"}
#: Blocks that show output, not code.
TEXT_LANGUAGES = {"text", "console-output"}
NOT_RUN = re.compile(r"^<!--\s*readme-test:\s*not run:\s*(?P<reason>.*?)\s*-->$")
_FENCE = re.compile(r"^```(?P<language>[\w-]*)\s*$")
_HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<title>.+?)\s*$")
#: A port on a URL or host (":8050", ":8786/") or after --port.
_PORT = re.compile(r"(?<=:)(?P<a>\d{4,5})(?=[/\s'\"]|$)|(?<=--port )(?P<b>\d{4,5})\b")


@dataclass
class Block:
    """One fenced block of the README.

    Parameters
    ----------
    line : int
        The line of its opening fence (1-based), as an editor shows it.
    language : str
    section : str
        The title of the nearest heading above it.
    text : str
        Its content, without the fences.
    not_run : str or None
        Why the tests do not run it, from its marker; None for blocks that run.
    """

    line: int
    language: str
    section: str
    text: str
    not_run: str | None = None

    @property
    def where(self) -> str:
        return f"README.md line {self.line} ({self.section})"


def read_blocks(readme: Path) -> list[Block]:
    """Every fenced block of ``readme``, in order."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    section, previous, i = "(top)", "", 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        heading = _HEADING.match(lines[i])
        if fence:
            start = i
            i += 1
            while i < len(lines) and lines[i].rstrip() != "```":
                i += 1
            marker = NOT_RUN.match(previous.strip())
            blocks.append(
                Block(
                    line=start + 1,
                    language=fence["language"],
                    section=section,
                    text="\n".join(lines[start + 1 : i]),
                    not_run=marker["reason"] if marker else None,
                )
            )
        elif heading:
            section = heading["title"]
        if lines[i].strip():
            previous = lines[i]
        i += 1
    return blocks


@dataclass
class Command:
    """One shell command of a block: ``VAR=value ... argv [&]``."""

    line: int
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    background: bool = False

    @property
    def text(self) -> str:
        """The command as a shell reads it (without a trailing ``&``)."""
        assignments = [f"{k}={shlex.quote(v)}" for k, v in self.env.items()]
        return " ".join([*assignments, shlex.join(self.argv)])

    def option(self, name: str) -> str | None:
        """The value of ``--name VALUE`` or ``--name=VALUE``, if given."""
        for i, argument in enumerate(self.argv):
            if argument == name and i + 1 < len(self.argv):
                return self.argv[i + 1]
            if argument.startswith(name + "="):
                return argument.split("=", 1)[1]
        return None

    @property
    def kind(self) -> str:
        return classify(self.argv)


def classify(argv: list[str]) -> str:
    """What a command is, for the runner.

    ``install`` (pip install of this project: its extras are checked), ``ci`` (the CI script:
    checked, since it is what runs these tests), ``benchmark`` (a script of benchmarks/),
    ``server`` (the dashboard or gunicorn: started, asked for a page, stopped), ``custseg``
    (run in this process), ``export`` (variables for the commands after it), ``shell``
    (anything else: run by bash).
    """
    if argv[:2] == ["pip", "install"] or argv[:4] == ["python", "-m", "pip", "install"]:
        return "install"
    if argv == ["bash", ".ci/run"]:
        return "ci"
    if argv[0] == "python" and len(argv) > 1 and argv[1].startswith("benchmarks/"):
        return "benchmark"
    if argv[0] == "gunicorn" or argv[:2] == ["custseg", "dashboard"]:
        return "server"
    if argv[0] == "custseg":
        return "custseg"
    if argv[0] == "export":
        return "export"
    return "shell"


_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SEPARATORS = {"&&", ";", "&"}
_REDIRECTIONS = {"|", "||", ">", ">>", "<", "2>", "2>&1", "&>"}


def shell_commands(block: Block) -> list[Command]:
    """The commands of a shell block, in order.

    Continuation lines are joined, comments dropped; ``&&`` and ``;`` separate commands and a
    trailing ``&`` puts one in the background. Pipes and redirections are refused: the runner
    executes argument lists, and a README example is clearer without them.

    Raises
    ------
    ValueError
        For what a reader could not paste as it is (an optional ``[--flag]``, an unbalanced
        quote, a pipe), naming the line.
    """
    commands: list[Command] = []
    logical: list[tuple[int, str]] = []
    pending, first = "", 0
    for offset, raw in enumerate(block.text.splitlines(), start=1):
        if not pending:
            first = block.line + offset
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        logical.append((first, pending + raw))
        pending = ""
    for line, text in logical:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            tokens = list(lexer)
        except ValueError as exc:
            raise ValueError(f"README.md line {line}: {exc}: {text!r}") from None
        current: list[str] = []
        for token in [*tokens, ";"]:
            if token in _REDIRECTIONS:
                raise ValueError(
                    f"README.md line {line}: {token!r} in {text!r}; write one command per line"
                )
            if token.startswith("[-"):
                raise ValueError(
                    f"README.md line {line}: {token!r} is optional-argument notation, which a "
                    f"shell does not understand; show the option in a comment instead"
                )
            if token not in _SEPARATORS:
                current.append(token)
                continue
            if current:
                env = {}
                while current and _ASSIGNMENT.match(current[0]):
                    name, _, value = current.pop(0).partition("=")
                    env[name] = value
                commands.append(Command(line, current, env, background=token == "&"))
            current = []
    return commands


def free_port() -> int:
    """A TCP port nobody listens on now, on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def with_free_ports(text: str) -> str:
    """``text`` with every port number swapped for a free one, the same number for the same
    port (a shared machine has other servers on 8050)."""
    ports: dict[str, str] = {}

    def swap(match: re.Match[str]) -> str:
        port = match.group(0)
        return ports.setdefault(port, str(free_port()))

    return _PORT.sub(swap, text)


def extras_of(argv: list[str]) -> list[str]:
    """The extras a ``pip install`` of this project asks for (``.[a,b]``, ``custseg[a]``)."""
    extras = []
    for argument in argv[2:]:
        match = re.fullmatch(r"(?:\.|custseg)\[(?P<names>[\w,-]+)\]", argument)
        if match:
            extras.extend(match["names"].split(","))
    return extras
