"""The one exception type of the client: a gRPC status code and message."""

# gRPC's status code names, indexed by code number (docs/protocol.md, "Status codes").
STATUS_NAMES = (
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
    "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
)

INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
INTERNAL = 13
UNAVAILABLE = 14


def status_name(code):
    """The name of a status code, e.g. "NOT_FOUND" for 5, or "CODE_<n>" for a number outside gRPC's 17."""
    return STATUS_NAMES[code] if 0 <= code < len(STATUS_NAMES) else f"CODE_{code}"


class TaskManagerError(Exception):
    """A call that did not succeed: the server's status, or UNAVAILABLE / DEADLINE_EXCEEDED from the client.

    Attributes:
        code: the gRPC status code number (5 for NOT_FOUND, 14 for UNAVAILABLE, ...).
        code_name: its name, e.g. "NOT_FOUND".
        message: the status message, e.g. "Task not found".
    """

    def __init__(self, code, message):
        super().__init__(code, message)
        self.code = int(code)
        self.message = message

    @property
    def code_name(self):
        return status_name(self.code)

    def __str__(self):
        return f"{self.code_name}: {self.message}"

    def __repr__(self):
        return f"TaskManagerError({self.code}, {self.message!r})"
