"""Errors of the projects app that a single DomainError cannot carry."""

from django.core.exceptions import ValidationError

# {row index in the caller's sequence: {field name, or "" for the row as a whole: [messages]}}
RowProblems = dict[int, dict[str, list[str]]]


class RowErrors(ValidationError):
    """Several rows refused at once (a grid, an import): every error of every row, so a
    person corrects them all in one go. `rows` is keyed by each row's index in the
    sequence the service was given; `error` is what concerns none of the rows."""

    def __init__(self, rows: RowProblems, error: ValidationError | None = None):
        self.rows = rows
        self.error = error
        messages = [
            f"Row {index + 1}: {message}"
            for index, fields in sorted(rows.items())
            for messages in fields.values()
            for message in messages
        ]
        if error is not None:
            messages += error.messages
        super().__init__(messages, code="rows_invalid")


def add_problem(problems: RowProblems, index: int, error: ValidationError) -> None:
    """File a service's error under its row and field."""
    fields = problems.setdefault(index, {})
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            fields.setdefault(name, []).extend(messages)
    else:
        fields.setdefault("", []).extend(error.messages)
