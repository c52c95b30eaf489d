"""The one exception type that carries a message meant for the user."""


class CustsegError(Exception):
    """Bad input or an unmet precondition, described for the person running custseg.

    Parameters
    ----------
    message : str
        What was wrong, in one sentence.
    hint : str, optional
        How to fix it.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


def first_line(exc: BaseException) -> str:
    """The first line of an exception's text (drivers often append pages of detail)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
