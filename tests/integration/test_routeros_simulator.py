"""The RouterOS simulator, driven by the real librouteros client over real sockets."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import librouteros
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from librouteros.api import Api
from librouteros.exceptions import ConnectionClosed, FatalError, TrapError
from librouteros.login import token
from librouteros.query import And, Key, Or

from adapters.routers.routeros.simulator import RouterOSSimulator

USER, PASSWORD = "admin", "rahasia"
NAME, DISABLED, PROFILE = Key("name"), Key("disabled"), Key("profile")


@pytest.fixture
def router() -> Iterator[RouterOSSimulator]:
    simulator = RouterOSSimulator(USER, PASSWORD, identity="RTR-Cibubur")
    simulator.start()
    yield simulator
    simulator.stop()


def _connect(router: RouterOSSimulator, **kwargs: object) -> Api:
    host, port = router.address
    return librouteros.connect(host, USER, PASSWORD, port=port, timeout=3, **kwargs)


@pytest.fixture
def api(router: RouterOSSimulator) -> Iterator[Api]:
    client = _connect(router)
    yield client
    client.close()


def _secrets(api: Api) -> list[dict[str, object]]:
    return list(api.path("/ppp/secret").select(NAME, PROFILE, DISABLED))


def test_logs_in_and_reads_identity_and_resource(api: Api) -> None:
    assert list(api.path("/system/identity")) == [{"name": "RTR-Cibubur"}]
    (resource,) = api.path("/system/resource")
    assert {"uptime", "version", "board-name"} <= set(resource)
    assert ".id" not in resource


def test_a_wrong_password_is_refused_with_the_routers_message(
    router: RouterOSSimulator,
) -> None:
    host, port = router.address
    with pytest.raises(TrapError) as refused:
        librouteros.connect(host, USER, "salah", port=port, timeout=3)
    assert refused.value.message == "invalid user name or password (6)"


def test_the_pre_6_43_challenge_login_still_works(router: RouterOSSimulator) -> None:
    client = _connect(router, login_method=token)
    assert list(client.path("/system/identity")) == [{"name": "RTR-Cibubur"}]
    client.close()


def test_commands_before_login_are_fatal(router: RouterOSSimulator) -> None:
    anonymous = _connect(router, login_method=lambda *_: None)
    with pytest.raises(FatalError, match="not logged in"):
        list(anonymous.path("/ppp/secret"))


def test_adds_prints_updates_and_removes_ppp_secrets(api: Api) -> None:
    secrets = api.path("/ppp/secret")
    item_id = secrets.add(name="budi", password="b4dut", service="pppoe", comment="Jl. Mawar 3")
    assert item_id.startswith("*")
    assert _secrets(api) == [{"name": "budi", "profile": "default", "disabled": False}]

    api.path("/ppp/profile").add(name="10M", **{"rate-limit": "10M/10M"})
    secrets.update(**{".id": item_id, "profile": "10M", "disabled": True})
    assert _secrets(api) == [{"name": "budi", "profile": "10M", "disabled": True}]

    secrets.remove(item_id)
    assert _secrets(api) == []


def test_print_understands_the_queries_librouteros_builds(api: Api) -> None:
    secrets = api.path("/ppp/secret")
    secrets.add(name="budi", disabled=False, comment="lunas")
    secrets.add(name="siti", disabled=True)
    secrets.add(name="tono", disabled=True, profile="default")

    def names(*where: object) -> list[object]:
        return [row["name"] for row in secrets.select(NAME).where(*where)]  # type: ignore[arg-type]

    assert names(DISABLED == True) == ["siti", "tono"]  # noqa: E712
    assert names(NAME != "siti") == ["budi", "tono"]
    assert names(Or(NAME == "budi", NAME == "tono")) == ["budi", "tono"]
    assert names(And(DISABLED == True, NAME != "tono")) == ["siti"]  # noqa: E712
    assert names(NAME.In("siti", "tono", "nobody")) == ["siti", "tono"]
    assert [row["name"] for row in api.rawCmd("/ppp/secret/print", "?comment")] == ["budi"]
    assert [row["name"] for row in api.rawCmd("/ppp/secret/print", "?-comment")] == [
        "siti",
        "tono",
    ]
    assert list(api.rawCmd("/ppp/secret/print", "=count-only=", "?disabled=yes")) == [{"ret": 2}]


def test_a_duplicate_name_is_a_trap(api: Api) -> None:
    api.path("/ppp/secret").add(name="budi")
    with pytest.raises(TrapError) as duplicate:
        api.path("/ppp/secret").add(name="budi")
    assert duplicate.value.message == "failure: secret with the same name already exists"


def test_a_profile_the_router_does_not_have_is_a_trap(api: Api) -> None:
    secrets = api.path("/ppp/secret")
    with pytest.raises(TrapError, match="input does not match any value of profile"):
        secrets.add(name="budi", profile="expired")
    item_id = secrets.add(name="budi")
    with pytest.raises(TrapError, match="input does not match any value of profile"):
        secrets.update(**{".id": item_id, "profile": "expired"})


def test_unknown_menus_commands_and_parameters_are_traps(api: Api) -> None:
    with pytest.raises(TrapError, match="no such command prefix"):
        list(api.path("/ppp/secrets"))
    with pytest.raises(TrapError, match=r"no such command or directory \(kick\)"):
        list(api.path("/ppp/active")("kick"))
    with pytest.raises(TrapError, match="unknown parameter remote_address"):
        api.path("/ppp/secret").add(name="budi", remote_address="10.0.0.2")


def test_removing_an_active_session_kicks_it(router: RouterOSSimulator, api: Api) -> None:
    api.path("/ppp/secret").add(name="budi", password="x")
    router.connect_ppp("budi", "10.10.0.2", caller_id="AA:BB:CC:00:11:22")
    active = api.path("/ppp/active")
    (session,) = active.select(Key(".id"), NAME, Key("address")).where(NAME == "budi")
    assert session["address"] == "10.10.0.2"

    active.remove(str(session[".id"]))
    assert list(active) == []


def test_ids_change_after_a_reboot_and_names_still_find_items(
    router: RouterOSSimulator, api: Api
) -> None:
    secrets = api.path("/ppp/secret")
    secrets.add(name="andi")
    old_id = secrets.add(name="budi")

    router.reboot()
    with pytest.raises(ConnectionClosed):
        list(secrets)

    client = _connect(router)
    after = client.path("/ppp/secret")
    (budi,) = after.select(Key(".id"), NAME).where(NAME == "budi")
    assert budi[".id"] != old_id
    with pytest.raises(TrapError, match="no such item"):
        after.update(**{".id": old_id, "comment": "stale id"})
    after.update(**{".id": budi[".id"], "comment": "found by name"})
    client.close()


def test_a_digit_password_comes_back_as_an_int_through_librouteros(api: Api) -> None:
    api.path("/ppp/secret").add(name="budi", password="123456")
    api.path("/ppp/secret").add(name="siti", password="00123")
    rows = api.path("/ppp/secret").select(NAME, Key("password"))
    assert {row["name"]: row["password"] for row in rows} == {"budi": 123456, "siti": "00123"}


def test_long_words_keep_their_length_encoding(api: Api) -> None:
    comment = "x" * 20000
    api.path("/ppp/secret").add(name="budi", comment=comment)
    (row,) = api.path("/ppp/secret").select(Key("comment"))
    assert row["comment"] == comment


def test_a_tag_is_echoed_on_every_reply(api: Api) -> None:
    api.protocol.writeSentence("/system/identity/print", ".tag=7")
    assert api.protocol.readSentence() == ("!re", ("=name=RTR-Cibubur", ".tag=7"))
    assert api.protocol.readSentence() == ("!done", (".tag=7",))


def test_hotspot_users_profiles_address_lists_and_queues(
    router: RouterOSSimulator, api: Api
) -> None:
    api.path("/ip/hotspot/user/profile").add(name="1jam", **{"rate-limit": "2M/2M"})
    api.path("/ip/hotspot/user").add(name="vch-8812", password="4471", profile="1jam")
    with pytest.raises(TrapError, match="already have user with this name"):
        api.path("/ip/hotspot/user").add(name="vch-8812")
    router.login_hotspot("vch-8812", "172.16.0.9", "AA:BB:CC:DD:EE:01")
    active = api.path("/ip/hotspot/active")
    (session,) = active.select(Key(".id"), Key("user"))
    active.remove(str(session[".id"]))
    assert list(active) == []

    address_list = api.path("/ip/firewall/address-list")
    address_list.add(list="isolir", address="10.10.0.2", comment="budi")
    with pytest.raises(TrapError, match="already have such entry"):
        address_list.add(list="isolir", address="10.10.0.2")
    assert api.path("/queue/simple").add(target="10.10.0.2/32", **{"max-limit": "5M/10M"})
    assert [row["name"] for row in api.path("/queue/simple")] == ["queue1"]


def test_tls_with_a_self_signed_certificate(tmp_path: Path) -> None:
    certificate, key = _self_signed(tmp_path)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certificate, key)
    router = RouterOSSimulator(USER, PASSWORD, ssl_context=server)
    host, port = router.start()
    try:
        client = ssl.create_default_context(cafile=str(certificate))
        client.check_hostname = False  # routers present their own self-signed certificate
        api = librouteros.connect(
            host, USER, PASSWORD, port=port, timeout=3, ssl_wrapper=client.wrap_socket
        )
        assert list(api.path("/system/identity")) == [{"name": "MikroTik"}]
        api.close()
    finally:
        router.stop()


def test_an_injected_failure_answers_a_trap_once(router: RouterOSSimulator, api: Api) -> None:
    router.fail_next("/ppp/secret/add", "failure: could not write configuration", category=4)
    with pytest.raises(TrapError) as failed:
        api.path("/ppp/secret").add(name="budi")
    assert (failed.value.message, failed.value.category) == (
        "failure: could not write configuration",
        4,
    )
    api.path("/ppp/secret").add(name="budi")
    assert [row["name"] for row in _secrets(api)] == ["budi"]


def test_a_router_that_goes_down_refuses_connections_until_it_comes_back(
    router: RouterOSSimulator, api: Api
) -> None:
    api.path("/ppp/secret").add(name="budi")
    router.go_down()
    with pytest.raises(ConnectionClosed):
        list(api.path("/ppp/secret"))
    with pytest.raises(ConnectionRefusedError):
        _connect(router)

    router.come_up()
    client = _connect(router)
    assert [row["name"] for row in _secrets(client)] == ["budi"]
    client.close()


def test_latency_delays_the_answer_and_can_outlast_the_client(
    router: RouterOSSimulator, api: Api
) -> None:
    router.set_latency(0.3, "/ppp/secret/print")
    started = time.monotonic()
    list(api.path("/ppp/secret"))
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    list(api.path("/system/identity"))
    assert time.monotonic() - started < 0.3

    router.set_latency(2.0)
    host, port = router.address
    with pytest.raises(TimeoutError):
        librouteros.connect(host, USER, PASSWORD, port=port, timeout=0.3)


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "router.test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_path, key_path = directory / "router.crt", directory / "router.key"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate_path, key_path
