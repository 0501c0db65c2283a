"""GraphiQL without the internet: its scripts and styles are served from the project.

Strawberry's GraphiQL page loads React, GraphiQL and its explorer plugin from unpkg. On a machine
without internet (a shop's back office, a server behind a firewall) that page shows only
"Loading...". The same files, at the same pinned versions, ship in `api/shared/static/graphiql/`;
the page keeps strawberry's subresource-integrity hashes, so the browser checks each local file
is byte for byte the pinned release.
"""

from __future__ import annotations

from pathlib import Path

from strawberry.http.ides import get_graphql_ide_html

ASSETS_DIR = Path(__file__).parent / "static" / "graphiql"
ASSETS_PATH = "/graphiql-assets"

# Each address strawberry's page uses -> the file served in its place.
_LOCAL = {
    "https://unpkg.com/react@18.2.0/umd/react.production.min.js": "react.production.min.js",
    "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js": (
        "react-dom.production.min.js"
    ),
    "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js": "js.cookie.min.js",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.css": "graphiql.min.css",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.js": "graphiql.min.js",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css": "plugin-explorer.css",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": (
        "plugin-explorer.umd.js"
    ),
}


def offline_graphiql_html() -> str:
    """Strawberry's GraphiQL page with every remote asset replaced by the local copy."""
    html = get_graphql_ide_html(graphql_ide="graphiql")
    for remote, local in _LOCAL.items():
        if remote not in html:
            raise RuntimeError(f"GraphiQL page no longer loads {remote}: update {__name__}")
        html = html.replace(remote, f"{ASSETS_PATH}/{local}")
    return html
