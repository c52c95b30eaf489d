"""Every code block of README.md runs as written, so the README cannot drift from custseg.

Sections run in README order within one workspace (see readme_run): the set-up section first,
once per session, since later sections read its run folder (``runs/small-business``); the
Python blocks of a section share one namespace, as a reader's session would. Installs and the
CI script are checked rather than run; benchmarks carry a visible "not run" marker.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from readme_blocks import (
    RUN_LANGUAGES,
    SHELL_LANGUAGES,
    TEXT_LANGUAGES,
    Block,
    extras_of,
    read_blocks,
    shell_commands,
)
from readme_run import run_python, run_shell

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
BLOCKS = read_blocks(README)
RUN = [block for block in BLOCKS if block.language in RUN_LANGUAGES and block.not_run is None]
SECTIONS: dict[str, list[Block]] = {}
for _block in RUN:
    SECTIONS.setdefault(_block.section, []).append(_block)
SETUP = next(iter(SECTIONS))

#: Sections left to the slow run (CI runs it): each takes 10-75 s on a busy 2-core machine.
SLOW_SECTIONS = {
    "Segment": "the seed reproduction, a second SCF fit",
    "Across years": "an SCF fit at k=4 and the comparison with 2022",
    "Act on segments": "an SCF fit at k=5, relabel, two exports and predict",
    "Dashboard": "four dashboard servers started and asked for their page",
    "Scale out on Dask": "Dask clusters started for three runs",
    "Other methods from Python": "a Gaussian mixture sweep, KMeans and Ward side by side",
}
#: At most this many blocks may be exempt: every other block runs.
MAX_NOT_RUN = 6


def _section_param(section: str):
    marks = [pytest.mark.slow] if section in SLOW_SECTIONS else []
    return pytest.param(section, marks=marks, id=section)


def _commands(block: Block) -> list:
    """The commands of a shell block; none when it cannot be read (which
    test_shell_blocks_can_be_pasted reports with its line)."""
    try:
        return shell_commands(block)
    except ValueError:
        return []


#: Whether the set-up has custseg remember the data folder (``custseg data use``); if not,
#: the later sections' commands, which name no data folder, get the set-up's in the variable.
REMEMBERS_DATA = any(
    command.argv[:3] == ["custseg", "data", "use"]
    for block in SECTIONS[SETUP]
    if block.language in SHELL_LANGUAGES
    for command in _commands(block)
)


def _enter(monkeypatch: pytest.MonkeyPatch, workspace: Path, data_dir: Path | None) -> None:
    """Work in ``workspace`` as a new user: a configuration folder of its own (what custseg
    remembers stays in the workspace), and the data location in ``CUSTSEG_DATA_DIR`` only when
    ``data_dir`` is given."""
    monkeypatch.chdir(workspace)
    for variable in ("CUSTSEG_CONFIG_DIR", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(variable, str(workspace.parent / "config"))
    if data_dir is None:
        monkeypatch.delenv("CUSTSEG_DATA_DIR", raising=False)
    else:
        monkeypatch.setenv("CUSTSEG_DATA_DIR", str(data_dir))


def _extras_offered() -> list[str]:
    """The extras pyproject.toml defines (read without tomllib, which Python 3.10 lacks)."""
    text = (REPO / "pyproject.toml").read_text()
    table = text.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    return re.findall(r"^([\w-]+)\s*=\s*\[", table, flags=re.MULTILINE)


def _check_install(command) -> None:
    extras = extras_of(command.argv)
    offered = _extras_offered()
    unknown = [name for name in extras if name not in offered]
    assert extras and not unknown, (
        f"README.md line {command.line}: `{command.text}` names extras {unknown or extras}; "
        f"pyproject.toml offers {', '.join(offered)}"
    )


def _check_ci(command) -> None:
    script = REPO / ".ci" / "run"
    assert script.is_file() and "python -m pytest" in script.read_text(), (
        f"README.md line {command.line}: `{command.text}` does not run the tests"
    )


CHECKS = {"install": _check_install, "ci": _check_ci}


def _run_section(section: str, workspace: Path) -> None:
    namespace: dict = {"__name__": "__readme__"}
    exported: dict[str, str] = {}
    for block in SECTIONS[section]:
        if block.language == "python":
            run_python(block, namespace, README)
        else:
            run_shell(block, workspace, CHECKS, exported)


@pytest.fixture(scope="session")
def readme_workspace(tmp_path_factory, shared_data) -> Path:
    """``ROOT/repo`` beside ``ROOT/shared/data`` (a link), after the set-up section ran."""
    root = tmp_path_factory.mktemp("readme")
    (root / "shared").mkdir()
    (root / "shared" / "data").symlink_to(shared_data.resolve(), target_is_directory=True)
    workspace = root / "repo"
    workspace.mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        _enter(monkeypatch, workspace, data_dir=None)  # the set-up says where the data is
        _run_section(SETUP, workspace)
    return workspace


@pytest.mark.scf
@pytest.mark.parametrize("section", [_section_param(s) for s in SECTIONS])
def test_readme_section_runs(section, readme_workspace, shared_data, monkeypatch):
    if section != SETUP:  # the workspace fixture ran it, for every section after it
        data_dir = None if REMEMBERS_DATA else shared_data.resolve()
        _enter(monkeypatch, readme_workspace, data_dir=data_dir)
        _run_section(section, readme_workspace)


def test_every_block_is_code_the_runner_knows():
    unknown = [
        f"{b.where}: ```{b.language}"
        for b in BLOCKS
        if b.language not in RUN_LANGUAGES | TEXT_LANGUAGES
    ]
    assert not unknown, "blocks in a language the README runner does not run: " + "; ".join(unknown)
    assert RUN, "the README runner found no code block to run"


@pytest.mark.parametrize(
    "block", [b for b in BLOCKS if b.language in SHELL_LANGUAGES], ids=lambda b: str(b.line)
)
def test_shell_blocks_can_be_pasted(block):
    for command in shell_commands(block):  # raises for what a shell would misread
        if command.kind in CHECKS:
            CHECKS[command.kind](command)


def test_few_blocks_are_exempt_and_each_says_why():
    exempt = [b for b in BLOCKS if b.not_run is not None]
    listing = "\n".join(f"{b.where}: {b.not_run}" for b in exempt)
    assert len(exempt) <= MAX_NOT_RUN, f"too many blocks are not run:\n{listing}"
    assert all(len(b.not_run.split()) >= 3 for b in exempt), f"say why:\n{listing}"


@pytest.mark.parametrize(
    "command",
    [
        c
        for b in BLOCKS
        if b.not_run is not None and b.language in SHELL_LANGUAGES
        for c in _commands(b)
        if c.kind == "benchmark"
    ],
    ids=lambda c: str(c.line),
)
def test_exempt_benchmarks_exist_with_the_options_shown(command):
    script = REPO / command.argv[1]
    assert script.is_file(), f"README.md line {command.line}: no {command.argv[1]}"
    source = script.read_text()
    for option in (a.split("=")[0] for a in command.argv[2:] if a.startswith("--")):
        assert re.search(rf"""["']{option}["']""", source), (
            f"README.md line {command.line}: {command.argv[1]} has no option {option}"
        )


def test_slow_sections_exist():
    assert set(SLOW_SECTIONS) <= set(SECTIONS), set(SLOW_SECTIONS) - set(SECTIONS)
