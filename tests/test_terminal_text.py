import errno

import pytest

from custseg.terminal_text import (
    MESSAGE_LIMIT,
    NAME_LIMIT,
    WORD_LIMIT,
    ProgressLines,
    clip,
    clip_message,
    os_error_message,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("short", "short"),
        ("x" * NAME_LIMIT, "x" * NAME_LIMIT),
        ("x" * (NAME_LIMIT + 1), "x" * (NAME_LIMIT - 1) + "…"),
    ],
)
def test_clip(text, expected):
    assert clip(text) == expected


def test_clip_message_cuts_long_words_and_the_whole():
    message = clip_message("No column '" + "y" * 100_000 + "' in the table.")
    assert len(message) < WORD_LIMIT + 40 and message.endswith("y… in the table.")
    assert message.startswith("No column 'yyy") and "…" in message
    assert len(clip_message("word " * 100_000)) == MESSAGE_LIMIT
    assert clip_message("/a/normal/path/of/some/length.csv") == "/a/normal/path/of/some/length.csv"


@pytest.mark.parametrize(
    ("error", "message", "hint"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on device.", "Free"),
        (PermissionError(errno.EACCES, "Permission denied", "/x"), "Permission denied: /x.", "may"),
        (OSError("odd"), "odd.", "Nothing was half-written"),
    ],
)
def test_os_error_message(error, message, hint):
    text, advice = os_error_message(error)
    assert text == message and hint in advice


def test_progress_lines_start_then_every_interval_and_at_the_end():
    now = [0.0]
    lines = []
    progress = ProgressLines("Fitting", 5, lines.append, interval=10, clock=lambda: now[0])
    for seconds in (1, 2, 12, 13, 14):  # the time after each step
        now[0] = seconds
        progress.advance()
    assert lines == ["Fitting...", "Fitting: 3/5 (60%), 12 s", "Fitting: 5/5 (100%), 14 s"]


def test_progress_lines_without_a_total_count_the_steps():
    lines = []
    progress = ProgressLines("Lloyd passes", None, lines.append, interval=0)
    progress.advance()
    assert lines[-1].startswith("Lloyd passes: 1 done, ")
