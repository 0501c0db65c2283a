"""AI keys and the AI switch through GraphQL over HTTP and the `niaga ai` command: a key goes in
sealed and never comes out, only owners and admins manage them, and a key added is the one the
calls to (the fake) Gemini carry."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.ai.fakes import FakeGemini
from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.ai import Prompt
from application.shared.context import Principal
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.ai_support import ai_settings, gemini_fixture  # noqa: F401 - fixtures
from tests.e2e.cli import run_niaga
from tests.e2e.conftest import GraphQL
from tests.integration.read_models import store_of

SECRET = "AIzaSyRAHASIA-kunci-toko-123"
ADD = """
mutation($input: AddAiKeyInput!) {
  addAiKey(input: $input) {
    __typename
    ... on AiKeySuccess { key { id label scope status disabledReason lastError } }
    ... on Error { code message field }
  }
}"""
DISABLE = """
mutation($id: ID!) {
  disableAiKey(id: $id) {
    __typename
    ... on AiKeySuccess { key { id status disabledReason } }
    ... on Error { code message field }
  }
}"""
SWITCH = """
mutation($enabled: Boolean!) {
  setAiEnabled(enabled: $enabled) {
    __typename
    ... on AiSettingsSuccess { settings { enabled keysAvailable } }
    ... on Error { code message field }
  }
}"""
KEYS = "{ aiKeys { id label scope status coolingUntil disabledReason lastError addedAt } }"
SETTINGS = "{ aiSettings { enabled keysAvailable } }"


class Gql(GraphQL):
    def __call__(self, query: str, **variables: object) -> Any:
        """The answer's data, typed as loosely as JSON is."""
        return super().__call__(query, **variables)


def _gql(niaga: Niaga, server: str, tenant_id: UUID, role: Role) -> Gql:
    return Gql(server, niaga.tenants.issue_api_key(tenant_id, role).token)


def test_a_key_added_in_graphql_is_used_sealed_and_never_readable_back(
    niaga: Niaga, server: str, owner: Principal, gemini: FakeGemini
) -> None:
    gql = _gql(niaga, server, owner.tenant_id, Role.OWNER)
    assert gql(SETTINGS)["aiSettings"] == {"enabled": True, "keysAvailable": False}

    response = gql.post(ADD, input={"key": SECRET, "label": "kunci toko"})
    added = response.json()["data"]["addAiKey"]
    assert added["__typename"] == "AiKeySuccess", added
    assert added["key"]["label"] == "kunci toko"
    assert (added["key"]["scope"], added["key"]["status"]) == ("tenant", "active")
    listed = gql.post(KEYS)
    assert [k["id"] for k in listed.json()["data"]["aiKeys"]] == [added["key"]["id"]]
    for answer in (response, listed, gql.post(SETTINGS)):
        assert SECRET not in answer.text
    assert SECRET not in _stored_text(niaga, owner.tenant_id)
    assert gql(SETTINGS)["aiSettings"] == {"enabled": True, "keysAvailable": True}

    # The key works: a call for the tenant carries it to the provider.
    niaga.services.ai.generate_text(owner.tenant_id, "test", Prompt("halo"))
    assert [r.api_key for r in gemini.calls()] == [SECRET]

    switched = gql(SWITCH, enabled=False)["setAiEnabled"]
    assert switched["settings"] == {"enabled": False, "keysAvailable": True}
    gql(SWITCH, enabled=True)
    disabled = gql(DISABLE, id=added["key"]["id"])["disableAiKey"]
    assert disabled["key"]["status"] == "disabled"
    assert disabled["key"]["disabledReason"] == "by_staff"
    assert gql(SETTINGS)["aiSettings"] == {"enabled": True, "keysAvailable": False}


def _stored_text(niaga: Niaga, tenant_id: UUID) -> str:
    """Every event and every read-model row of the tenant's store, as text."""
    schema = store_of(niaga, tenant_id).ref.schema
    with niaga.database.connection() as conn:
        events = conn.execute(
            sql.SQL("SELECT state FROM {}.niaga_events").format(sql.Identifier(schema))
        ).fetchall()
        tables = [
            conn.execute(
                sql.SQL("SELECT t::text FROM {}.{} t").format(
                    sql.Identifier(schema), sql.Identifier(name)
                )
            ).fetchall()
            for name in ("ai_key_list", "audit_log")
        ]
    texts = [bytes(state).decode(errors="replace") for (state,) in events]
    return "\n".join(texts + [str(row) for rows in tables for row in rows])


def test_staff_without_the_permission_is_refused_and_nothing_is_recorded(
    niaga: Niaga, server: str, owner: Principal
) -> None:
    staff = _gql(niaga, server, owner.tenant_id, Role.STAFF)
    refused = staff(ADD, input={"key": SECRET})["addAiKey"]
    assert refused["__typename"] == "PermissionDeniedError"
    assert staff(SWITCH, enabled=False)["setAiEnabled"]["__typename"] == "PermissionDeniedError"
    for read in (KEYS, SETTINGS):
        body = staff.post(read).json()
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    owners = _gql(niaga, server, owner.tenant_id, Role.OWNER)
    assert owners(KEYS)["aiKeys"] == []
    assert owners(SETTINGS)["aiSettings"]["enabled"] is True


def test_bad_input_is_refused_naming_the_field_and_other_tenants_keys_are_out_of_reach(
    niaga: Niaga, server: str, owner: Principal
) -> None:
    gql = _gql(niaga, server, owner.tenant_id, Role.ADMIN)
    two_lines = gql(ADD, input={"key": "AIza\nx"})["addAiKey"]
    assert (two_lines["__typename"], two_lines["field"]) == ("ValidationError", "key")
    assert gql(DISABLE, id="not-an-id")["disableAiKey"]["field"] == "id"

    other = niaga.tenants.create("Servis HP Jaya", Placement.SHARED)
    theirs = _gql(niaga, server, other, Role.OWNER)
    their_key = theirs(ADD, input={"key": "kunci-mereka"})["addAiKey"]["key"]["id"]
    assert gql(DISABLE, id=their_key)["disableAiKey"]["__typename"] == "NotFoundError"
    assert gql(KEYS)["aiKeys"] == []
    assert theirs(KEYS)["aiKeys"][0]["status"] == "active"


def test_keys_are_managed_from_the_command_line(settings: Settings, tenant_id: UUID) -> None:
    added = run_niaga(
        settings, "ai", "keys", "add", "--label", "utama", env={"NIAGA_AI_KEY": SECRET}
    )
    assert added.returncode == 0, added.stderr
    assert SECRET not in added.stdout + added.stderr
    key_id = added.stdout.split()[2]
    own = run_niaga(
        settings, "ai", "keys", "add", "--tenant", str(tenant_id), "--label", "toko",
        env={"NIAGA_AI_KEY": "kunci-toko"},
    )  # fmt: skip
    assert own.returncode == 0, own.stderr

    listed = run_niaga(settings, "ai", "keys", "list")
    assert "utama" in listed.stdout
    assert "active" in listed.stdout
    assert SECRET not in listed.stdout
    assert "toko" not in listed.stdout
    theirs = run_niaga(settings, "ai", "keys", "list", "--tenant", str(tenant_id))
    assert "toko" in theirs.stdout
    assert "utama" not in theirs.stdout

    disabled = run_niaga(settings, "ai", "keys", "disable", key_id)
    assert disabled.returncode == 0, disabled.stderr
    assert "disabled" in run_niaga(settings, "ai", "keys", "list").stdout
    unknown = run_niaga(settings, "ai", "keys", "disable", "00000000-0000-4000-8000-000000000000")
    assert unknown.returncode == 1
    assert "NOT_FOUND" in unknown.stderr

    off = run_niaga(settings, "ai", "switch", str(tenant_id), "--off")
    assert off.returncode == 0, off.stderr
    niaga = Niaga.start(settings)
    try:
        assert niaga.ai.switch.enabled(tenant_id) is False
    finally:
        niaga.close()
