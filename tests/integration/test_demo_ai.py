"""The demo's AI answers offline, from a fake Gemini started in the process."""

from __future__ import annotations

from adapters.bootstrap import Niaga
from adapters.demo import demo_gemini, ensure_demo_ai_key
from adapters.shared.settings import Settings
from application.ai import Prompt
from application.shared.clock import FixedClock
from application.shared.ports import Placement


def test_the_demo_asks_a_fake_gemini_in_process_with_a_key_made_once(
    settings: Settings, clock: FixedClock
) -> None:
    assert demo_gemini(settings.model_copy(update={"niaga_ai_base_url": "https://x"})) is None
    fake = demo_gemini(settings)
    assert fake is not None
    niaga = Niaga.start(settings.model_copy(update={"niaga_ai_base_url": fake.url}), clock=clock)
    try:
        ensure_demo_ai_key(niaga)
        ensure_demo_ai_key(niaga)
        assert [k.label for k in niaga.ai.queries.platform_keys()] == ["demo"]
        tenant = niaga.tenants.create("Warung Net Demo", Placement.SHARED)
        answer = niaga.services.ai.generate_text(tenant, "demo", Prompt("Apa kabar toko?"))
        assert answer.text == "Ringkasan (3 kata): Apa kabar toko?"
        assert len(fake.calls("generateContent")) == 1
    finally:
        niaga.close()
        fake.stop()
