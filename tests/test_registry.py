"""The content types' declarations (linli/registry.py, on the models in linli/models.py): what
they declare holds, and a declaration that names what its model lacks fails at once."""

from __future__ import annotations

import peewee as pw
import pytest

from linli import models as m
from linli import registry
from linli.app import create_public_app
from linli.home import PROJECT_ROOT
from linli.traditional import to_traditional

THEME = PROJECT_ROOT / "themes" / "default" / "templates"


def every_declared_name():
    for kind in registry.TYPES:
        yield kind.names
        yield kind.group.names
        if kind.nav_label:
            yield kind.nav_label
        for field in kind.model._meta.fields.values():
            yield from (label for _, label in field.choices or () if isinstance(label, registry.Names))


def test_the_traditional_tree_shows_the_declared_traditional_names():
    names = list(every_declared_name())
    assert len(names) >= len(registry.TYPES) * 2
    assert {name: to_traditional(name) for name in names} == {name: name.hant for name in names}


def test_declared_names_pickle_and_read_as_their_simplified_text():
    import pickle

    names = m.Notice.kind.names
    again = pickle.loads(pickle.dumps(names))
    assert again == "通知公告" and (again.hant, again.en, again.one) == ("通知公告", "Notices", "Notice")
    assert names.in_language("en") == "Notices" and names.in_language("zh-Hans") == "通知公告"


def test_every_type_is_declared_once_with_templates_and_fields_that_exist():
    assert m.CONTENT_MODELS == [kind.model for kind in registry.TYPES]
    assert len({kind.prefix for kind in registry.TYPES}) == len(registry.TYPES)
    assert len({kind.position for kind in registry.TYPES}) == len(registry.TYPES)
    for kind in registry.TYPES:
        assert kind.model.kind is kind and kind.model.url_prefix == kind.prefix
        assert (THEME / kind.template).is_file() == kind.pages, kind.template  # a staff-only type has none
        for listing in kind.lists:
            assert (THEME / listing.template).is_file(), listing.template
        fields = kind.model._meta.fields
        for name in {*kind.search_summary, *kind.search_body} - {kind.children.key if kind.children else ""}:
            assert name in fields or hasattr(kind.model, name), (kind.key, name)
        assert kind.search.date in fields or hasattr(kind.model, kind.search.date)
        for name in kind.labels:
            assert name in fields, (kind.key, name)
    assert registry.child_models() == [m.Attachment, m.Photo, m.GridMember, m.LoveBankRecord]


def test_the_navigation_and_lists_are_routes_of_the_public_site(home):
    app = create_public_app(home)
    endpoints = set(app.view_functions)
    for endpoint, _ in registry.navigation():
        assert endpoint in endpoints, endpoint
    for kind in registry.TYPES:
        for listing in kind.lists:
            assert (f"public.{kind.prefix}_{listing.name}" if listing.name else kind.list_endpoint) in endpoints


def test_a_declaration_naming_a_missing_field_fails():
    class Odd(m.Content):
        class Meta:
            table_name = "odd_for_test"

    before = list(registry.TYPES)
    with pytest.raises(TypeError, match="nope"):
        registry.declare(names=registry.Names("怪", "怪", "Odd"), prefix="odds", position=999, markdown=("nope",))(Odd)
    with pytest.raises(TypeError, match="without pages"):
        registry.declare(names=registry.Names("怪", "怪", "Odd"), prefix="odds", position=999, markdown=(), pages=False, nav=True)(Odd)
    with pytest.raises(TypeError, match="keep_after_expiry"):
        registry.declare(names=registry.Names("怪", "怪", "Odd"), prefix="odds", position=999, archive=True)(Odd)
    assert registry.TYPES == before


def test_search_may_not_read_a_staff_only_field():
    class Secretive(m.Content):
        body = pw.TextField(default="")
        secret = pw.TextField(default="")

        class Meta:
            table_name = "secretive_for_test"

    before = list(registry.TYPES)
    declaration = dict(names=registry.Names("密", "密", "Secret"), prefix="secrets", position=998)
    with pytest.raises(TypeError, match="staff-only"):
        registry.declare(**declaration, private=("secret",), search=registry.Search(body=("body", "secret")))(Secretive)
    with pytest.raises(TypeError, match="staff-only"):
        registry.declare(**declaration, search=registry.Search(body=("internal_note",)))(Secretive)
    with pytest.raises(TypeError, match="prefix"):
        registry.declare(**{**declaration, "prefix": "notices"})(Secretive)
    assert registry.TYPES == before
