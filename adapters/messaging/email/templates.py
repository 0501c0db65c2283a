"""The e-mail templates: Jinja2 files in Indonesian beside this module, each template a pair
`<name>.txt` (the plain text, whose `{% set subject %}` is the subject) and `<name>.html`
(autoescaped: a customer's name or a model's words can never become markup).

A notice with no files of its own (a repair's status, say) is written with the general notice
pair, `_pemberitahuan.txt` / `.html`, around its WhatsApp wording (`pesan`, the tenant's own if
it reworded it). A value the template names but the e-mail lacks shows as `-`, as in WhatsApp.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, Template, Undefined, select_autoescape

from application.messaging.email_ports import RenderedEmail

FOLDER = Path(__file__).parent / "templates"
GENERAL = "_pemberitahuan"


class _Dash(Undefined):
    """A missing value reads `-` (a half-known message still reads)."""

    def __str__(self) -> str:
        return "-"


class JinjaEmailTemplates:
    def __init__(self, folder: Path = FOLDER) -> None:
        loader = FileSystemLoader(folder)
        # Escaped by extension: the .html files, never the .txt ones. trim and lstrip: a line
        # holding only a tag leaves no empty line behind.
        self._files = Environment(
            loader=loader,
            autoescape=select_autoescape(("html",), default_for_string=False, default=False),
            undefined=_Dash,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._files.filters["baris"] = _lines
        self._names = {p.stem for p in folder.glob("*.txt") if not p.stem.startswith("_")}

    def knows(self, template: str) -> bool:
        return template in self._names

    def render(self, template: str, values: dict[str, str]) -> RenderedEmail | None:
        if template in self._names:
            name = template
        elif "pesan" in values:
            name = GENERAL
        else:
            return None
        values = {**values, "jenis": template}  # the general notice's subject is per template
        text = self._files.get_template(f"{name}.txt")
        html = self._files.get_template(f"{name}.html")
        return RenderedEmail(_subject(text, values), text.render(values), html.render(values))


def _lines(value: object) -> list[str]:
    """A multi-line value (the digest's figures) as its lines, for a list in HTML."""
    return [line for line in str(value).splitlines() if line.strip()]


def _subject(template: Template, values: dict[str, str]) -> str:
    """The `subject` the text file sets, as one line."""
    subject = getattr(template.make_module(values), "subject", "")
    return " ".join(str(subject).split())
