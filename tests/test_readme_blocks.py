"""The README runner itself: how it reads blocks and commands, and how it reports a failure."""

import re

import pytest
from readme_blocks import extras_of, read_blocks, shell_commands, with_free_ports
from readme_run import run_python, run_shell

README = """# Title

## First
<!-- readme-test: not run: a benchmark of an hour -->
```bash
python benchmarks/bench_x.py
```

Text.

```python
x = 1
y = x / 0
```

### Second

```bash
A=1 custseg segment data.csv \\
  --out runs/a   # a comment
pip install -e ".[dask,sql]" && custseg report runs/a &
```
"""


@pytest.fixture
def readme(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(README)
    return path


def test_blocks_know_their_line_section_and_marker(readme):
    blocks = read_blocks(readme)
    assert [(b.line, b.language, b.section) for b in blocks] == [
        (5, "bash", "First"),
        (11, "python", "First"),
        (18, "bash", "Second"),
    ]
    assert [b.not_run for b in blocks] == ["a benchmark of an hour", None, None]
    assert blocks[1].text == "x = 1\ny = x / 0"


def test_commands_are_split_as_a_shell_splits_them(readme):
    commands = shell_commands(read_blocks(readme)[2])
    assert [(c.line, c.env, c.argv, c.background, c.kind) for c in commands] == [
        (19, {"A": "1"}, ["custseg", "segment", "data.csv", "--out", "runs/a"], False, "custseg"),
        (21, {}, ["pip", "install", "-e", ".[dask,sql]"], False, "install"),
        (21, {}, ["custseg", "report", "runs/a"], True, "custseg"),
    ]
    assert extras_of(commands[1].argv) == ["dask", "sql"]
    assert commands[0].option("--out") == "runs/a"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("custseg compare a b [--cpi 2022=1]", "optional-argument notation"),
        ("custseg rfm orders.csv | head", "write one command per line"),
        ("custseg segment 'unclosed", "No closing quotation"),
    ],
)
def test_what_a_shell_would_misread_is_refused_with_its_line(readme, text, message):
    block = read_blocks(readme)[2]
    block.text = text
    with pytest.raises(ValueError, match=rf"README.md line 19: .*{message}"):
        shell_commands(block)


def test_ports_are_swapped_for_free_ones_consistently():
    text = "dask scheduler --port 8786 &\ncustseg segment x --scheduler tcp://127.0.0.1:8786"
    swapped = with_free_ports(text)
    ports = re.findall(r"\d{4,5}", swapped)
    assert len(ports) == 2 and ports[0] == ports[1]
    assert swapped == text.replace("8786", ports[0])


def test_a_failing_python_block_is_reported_with_the_readme_line(readme):
    with pytest.raises(pytest.fail.Exception) as failed:
        run_python(read_blocks(readme)[1], {}, readme)
    report = str(failed.value)
    assert "README.md line 11 (First)" in report
    assert f'File "{readme}", line 13' in report and "ZeroDivisionError" in report
    assert "y = x / 0" in report  # the README's own source line


def test_a_failing_command_is_reported_with_its_line_and_output(readme, tmp_path):
    block = read_blocks(readme)[2]
    block.text = "custseg segment no-such-file.csv --out runs/a"
    with pytest.raises(pytest.fail.Exception) as failed:
        run_shell(block, tmp_path, {}, {})
    report = str(failed.value)
    assert report.startswith("README.md line 19: `custseg segment no-such-file.csv")
    assert "exited with status 1" in report and "no-such-file.csv" in report
