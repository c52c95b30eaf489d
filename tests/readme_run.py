"""Run the README's blocks as a reader pastes them, in a workspace laid out like a clone.

The workspace is ``ROOT/repo`` (the current folder of every block) beside ``ROOT/shared/data``,
a link to the shared data, so the README's ``../shared/data`` paths resolve. ``custseg``
commands run in this process (no interpreter start-up per command); servers, background jobs
and other shell commands run as processes, all in the current folder, which the caller makes the
workspace. Every failure names the README line.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from readme_blocks import Block, Command, free_port, shell_commands, with_free_ports

#: How long a server or background job may take to answer on a busy 2-core machine.
START_TIMEOUT = 120.0
#: How long a plain shell command may run.
COMMAND_TIMEOUT = 300.0
#: The output file of every started process, by process id.
_LOGS: dict[int, io.TextIOBase] = {}


def run_python(block: Block, namespace: dict, readme: Path) -> None:
    """Execute ``block`` in ``namespace``; a traceback shows the README's own lines."""
    code = compile("\n" * block.line + block.text, str(readme), "exec")
    try:
        exec(code, namespace)
    except Exception:
        pytest.fail(f"{block.where}, Python block:\n{traceback.format_exc(limit=-4)}")


def run_shell(block: Block, workspace: Path, checks: dict, env: dict[str, str]) -> None:
    """Run every command of a shell block in ``workspace``, in order.

    ``checks`` maps the kinds of commands that are checked rather than run (``install``,
    ``ci``) to a function of the command that fails the test when the command would not work.
    ``env`` holds the section's exported variables: ``export`` adds to it.
    """
    ported = Block(block.line, block.language, block.section, with_free_ports(block.text))
    background: list[subprocess.Popen] = []
    try:
        for command in shell_commands(ported):
            command.env = {**env, **command.env}  # what the section exported, then its own
            kind = command.kind
            if kind == "export":
                env.update(a.split("=", 1) for a in command.argv[1:] if "=" in a)
            elif kind in checks:
                checks[kind](command)
            elif kind == "benchmark":
                pytest.fail(
                    f"README.md line {command.line} runs a benchmark ({command.text}): mark its "
                    "block <!-- readme-test: not run: ... --> (benchmarks take minutes)"
                )
            elif kind == "server":
                _serve(command, workspace)
            elif kind == "custseg":
                _custseg(command)
            elif command.background:
                background.append(_start(command, workspace))
                _wait_for_port(command, background[-1])
            else:
                _shell(command, workspace)
    finally:
        for process in background:
            _stop(process)


def _custseg(command: Command) -> None:
    from custseg.cli import run

    output = io.StringIO()
    with (
        _environment(command.env),
        contextlib.redirect_stdout(output),
        contextlib.redirect_stderr(output),
    ):
        try:
            status = run(command.argv[1:])
        except Exception:  # a crash: the command line answers bad input with a message
            pytest.fail(
                f"README.md line {command.line}: `{command.text}` crashed:\n"
                + traceback.format_exc(limit=-6)
            )
    if status != 0:
        pytest.fail(
            f"README.md line {command.line}: `{command.text}` exited with status {status}:\n"
            + output.getvalue()[-3000:]
        )


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _process_env(command: Command) -> dict[str, str]:
    return {**os.environ, **command.env}


def _shell(command: Command, workspace: Path) -> None:
    try:
        done = subprocess.run(
            ["bash", "-c", command.text],
            cwd=workspace,
            env=_process_env(command),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"README.md line {command.line}: `{command.text}` ran over {COMMAND_TIMEOUT}s")
    if done.returncode != 0:
        pytest.fail(
            f"README.md line {command.line}: `{command.text}` exited with status "
            f"{done.returncode}:\n{(done.stdout + done.stderr)[-3000:]}"
        )


def _start(command: Command, workspace: Path, argv: list[str] | None = None) -> subprocess.Popen:
    """Start a command in a session of its own (so it and its children stop together)."""
    log = (workspace.parent / f"line-{command.line}-{time.monotonic_ns()}.log").open("w+")
    process = subprocess.Popen(
        argv or ["bash", "-c", command.text],
        cwd=workspace,
        env=_process_env(command),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    _LOGS[process.pid] = log
    return process


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    _LOGS.pop(process.pid).close()


def _log(process: subprocess.Popen) -> str:
    log = _LOGS[process.pid]
    log.flush()
    log.seek(0)
    return log.read()[-3000:]


def _wait_for_port(command: Command, process: subprocess.Popen) -> None:
    """A background job given a ``--port`` is ready when the port accepts connections."""
    port = command.option("--port")
    deadline = time.monotonic() + START_TIMEOUT
    while port is not None:
        if process.poll() is not None:
            pytest.fail(
                f"README.md line {command.line}: `{command.text}` stopped with status "
                f"{process.returncode}:\n{_log(process)}"
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", int(port)), 1):
            return
        if time.monotonic() > deadline:
            pytest.fail(f"README.md line {command.line}: nothing listens on port {port}")
        time.sleep(0.25)


def _serve(command: Command, workspace: Path) -> None:
    """Start a server, wait until its page answers 200, stop it."""
    argv = command.argv
    if argv[0] == "custseg":
        port = command.option("--port")
        if port is None:
            port = str(free_port())
            argv = [*argv, "--port", port]
        argv = [sys.executable, "-m", "custseg", *argv[1:]]
    else:
        port = (command.option("--bind") or "127.0.0.1:8000").rsplit(":", 1)[1]
        argv = [sys.executable, "-m", *argv]
    process = _start(command, workspace, argv)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"README.md line {command.line}: `{command.text}` stopped with status "
                    f"{process.returncode} before serving {url}:\n{_log(process)}"
                )
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as error:
                pytest.fail(
                    f"README.md line {command.line}: `{command.text}` answered {url} with "
                    f"{error.code}:\n{_log(process)}"
                )
            except OSError:  # not listening yet
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"README.md line {command.line}: `{command.text}` did not serve {url} "
                    f"within {START_TIMEOUT:.0f}s:\n{_log(process)}"
                )
            time.sleep(0.25)
    finally:
        _stop(process)
