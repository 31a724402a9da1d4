"""sitegen.model.menus.menus on plain values: the menus the settings ask for, or the defaults."""

from __future__ import annotations

from sitegen.errors import Reporter, SitegenError
from sitegen.load.config import MenuConfig, MenuEntry, SiteConfig
from sitegen.model.entities import Category, MenuItem, Page
from sitegen.model.menus import menus
from tests.unit.test_related import make_article

WORLD = Category("world", "World", "/category/world/")
SPORT = Category("sport", "Sport", "/category/sport/")
CATEGORIES = {"world": WORLD, "sport": SPORT}
BY_CATEGORY = {
    "world": [make_article("talks")],
    "sport": [make_article("final", category="sport"), make_article("draw", category="sport")],
}
ABOUT = Page("pages/about.md", "about", "About us", "", "", "/about/", False, {})
CONTACT = Page("pages/contact.md", "contact", "Contact", "", "", "/contact/", False, {})


def _menus(
    menu: MenuConfig,
) -> tuple[tuple[MenuItem, ...], tuple[MenuItem, ...], list[SitegenError], Reporter]:
    reporter, errors = Reporter(), []
    main, footer = menus(
        SiteConfig(menu=menu), CATEGORIES, BY_CATEGORY, [CONTACT, ABOUT], reporter, errors
    )
    return main, footer, errors, reporter


def test_without_settings_sections_go_biggest_first_and_pages_by_slug() -> None:
    main, footer, errors, reporter = _menus(MenuConfig())
    assert [i.section for i in main] == ["sport", "world"]
    assert main[0] == MenuItem("Sport", "/category/sport/", "sport")
    assert footer == (MenuItem("About us", "/about/", ""), MenuItem("Contact", "/contact/", ""))
    assert errors == [] and reporter.warnings == []


def test_entries_take_their_names_from_what_they_point_at_unless_titled() -> None:
    menu = MenuConfig(
        main=(MenuEntry(section="world"), MenuEntry(title="Games", section="sport")),
        footer=(MenuEntry(page="about"), MenuEntry(url="/feed.xml"), MenuEntry("RSS", url="/r")),
    )
    main, footer, errors, _ = _menus(menu)
    assert main == (
        MenuItem("World", "/category/world/", "world"),
        MenuItem("Games", "/category/sport/", "sport"),
    )
    assert footer == (
        MenuItem("About us", "/about/", ""),
        MenuItem("/feed.xml", "/feed.xml", ""),
        MenuItem("RSS", "/r", ""),
    )
    assert errors == []


def test_an_entry_naming_nothing_is_an_error_and_left_out() -> None:
    menu = MenuConfig(
        main=(MenuEntry(section="world"), MenuEntry(section="sports"), MenuEntry(section="sport")),
        footer=(MenuEntry(page="abuot"),),
    )
    main, footer, errors, _ = _menus(menu)
    assert [i.section for i in main] == ["world", "sport"]
    assert footer == ()
    assert [(e.path, e.line) for e in errors] == [("sitegen.toml", None)] * 2
    assert "menu.main names section 'sports'" in errors[0].message
    assert "known: sport, world" in errors[0].message
    assert "menu.footer names page 'abuot'" in errors[1].message
    assert "known: about, contact" in errors[1].message


def test_a_section_missing_from_the_main_menu_is_warned_about() -> None:
    main, _, errors, reporter = _menus(MenuConfig(main=(MenuEntry(section="world"),)))
    assert [i.section for i in main] == ["world"]
    assert errors == []
    (warning,) = reporter.warnings
    assert "section 'Sport' (2 articles) is not in menu.main" in warning.message
    assert 'section = "sport"' in warning.message
