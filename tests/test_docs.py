"""Generated docs stay current: regenerate with `make schema`."""

from pathlib import Path

from api.docs_export import event_catalogue, graphql_sdl, permission_matrix

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_the_exported_graphql_schema_is_current() -> None:
    assert (DOCS / "schema.graphql").read_text() == graphql_sdl(), "run `make schema`"


def test_the_event_catalogue_is_current() -> None:
    assert (DOCS / "events.md").read_text() == event_catalogue(), "run `make schema`"


def test_the_permission_matrix_is_current() -> None:
    assert (DOCS / "permissions.md").read_text() == permission_matrix(), "run `make schema`"
