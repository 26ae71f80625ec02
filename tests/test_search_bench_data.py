"""The search bench's generated community (bench/search/generate.py): as many items as asked,
all of them public at the bench's moment, from the demo's own sentences."""

from __future__ import annotations

import pytest

from bench.search.generate import NOW, generate
from linli import models as m
from linli.publicity import is_public

pytestmark = pytest.mark.sqlite_only(reason="the search bench's generator writes a SQLite home")


def test_generated_community_has_the_items_asked_for(tmp_path):
    home = generate(tmp_path / "home", items=400)
    items = [item for model in m.CONTENT_MODELS for item in model.select()]
    assert len(items) == 400
    generated = [item for item in items if item.author == "bench"]
    assert len(generated) > 250 and all(is_public(item, NOW) for item in generated)
    assert len({type(item) for item in generated}) == 6
    assert sum("低保" in item.title or "低保" in getattr(item, "body", "") for item in generated) > 5
    assert home.db_path.is_file()
