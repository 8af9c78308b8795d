"""Reading a page's form fields as a person's assistive technology would: each input and
select with the text of the <label> that names it."""

from html.parser import HTMLParser


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict] = []  # name, id, type, tag, in_template
        self.labels: dict[str, str] = {}
        self._label_for: str | None = None
        self._label_text: list[str] = []
        self._template_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "template":
            self._template_depth += 1
        elif tag in ("input", "select", "textarea"):
            self.fields.append(
                {
                    "name": attrs.get("name", ""),
                    "id": attrs.get("id", ""),
                    "type": attrs.get("type", tag),
                    "in_template": self._template_depth > 0,
                }
            )
        elif tag == "label" and attrs.get("for"):
            self._label_for, self._label_text = attrs["for"], []

    def handle_endtag(self, tag):
        if tag == "template":
            self._template_depth -= 1
        elif tag == "label" and self._label_for:
            self.labels[self._label_for] = " ".join("".join(self._label_text).split())
            self._label_for = None

    def handle_data(self, data):
        if self._label_for:
            self._label_text.append(data)


def labelled_fields(html: str, prefix: str, *, in_template: bool = False) -> dict[str, str]:
    """{field name: its label's text} for the visible fields whose name starts with
    `prefix` (those in the page, or those in its <template> when `in_template`). A field
    without a label maps to None."""
    parser = _Fields()
    parser.feed(html)
    return {
        field["name"]: parser.labels.get(field["id"])
        for field in parser.fields
        if field["name"].startswith(prefix)
        and field["type"] != "hidden"
        and field["in_template"] == in_template
    }
