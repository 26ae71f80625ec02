"""The one exception type that carries a message meant for the person at the keyboard."""


class LinliError(Exception):
    """A problem the user can fix; its message is shown as-is, in staff language."""
