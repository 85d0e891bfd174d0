"""Templates are set up when an app is made, from what each domain gives them;
importing a module registers nothing anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from dongne.app import create_app
from dongne.config import Settings
from dongne.kit.templating import TemplateParts, build_environment


def test_each_app_builds_its_own_environment_from_every_domain(tmp_path: Path) -> None:
    first = create_app(Settings(data_dir=tmp_path))
    second = create_app(Settings(data_dir=tmp_path))
    one, two = first.state.templates, second.state.templates
    assert one.env is not two.env
    for name in (
        "card_time",  # listings
        "business_category",  # business
        "member_roles",  # business (and its reviews: the same table, given twice)
        "chat_clock",  # chat
        "faq_category",  # the help centre
        "trust_fraud_text",  # moderation
        "trust_band",  # reviews
        "version",  # the base
    ):
        assert name in one.env.globals, name
    for name in ("ago", "won", "local_time"):
        assert name in one.env.filters, name
    assert len(one.chrome) == 1  # the header's notification badge


def test_a_name_given_two_meanings_is_refused() -> None:
    with pytest.raises(ValueError, match="given twice"):
        build_environment([TemplateParts(globals={"x": 1}), TemplateParts(globals={"x": 2})])
    same = object()
    env = build_environment(
        [TemplateParts(globals={"x": same}), TemplateParts(globals={"x": same})]
    )
    assert env.globals["x"] is same


def test_a_module_alone_gives_the_base_environment_nothing() -> None:
    import dongne.chat.pages  # noqa: F401  (it used to register its globals on import)

    assert "chat_clock" not in build_environment([]).globals
