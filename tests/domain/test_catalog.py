"""The service catalog as the team writes it: read, checked one line per mistake, and looked up."""

import pytest

from bot.domain.catalog import STATE_WORDS, Catalog, CatalogError, ComponentState, read_catalog

CHIRPER = """
[[component]]
id = "home"
name = { en = "Home page", fr = "Page d'accueil" }
group = "Web"
description = "chirper.example and the mobile home feed"
alerts = ['service="web"', 'severity=~"critical|error"']   # all must match
oncall = "oncall-web"        # a Slack user group handle (no @) or id (S...)
escalation = "sre-leads"

[[component]]
id = "api"
name = { fr = "API publique", en = "Public API" }
group = "Web"
alerts = ['service="api"']
oncall = "S0APIONCALL"
pagerduty_routing_key = "R0123456789abcdef0123456789ABCDE"

[[component]]
id = "billing-db"
name = "Billing database"
public = false
"""


def test_the_documented_layout_reads_as_written() -> None:
    catalog = read_catalog(CHIRPER)
    home, api, billing = catalog.components
    assert home.id == "home"
    assert home.name("fr") == "Page d'accueil"
    assert home.name("de") == "Home page"  # English as the fallback
    assert (home.group, home.description, home.public) == ("Web", "chirper.example and the mobile home feed", True)
    assert [str(each) for each in home.alerts] == ['service="web"', 'severity=~"critical|error"']
    assert (home.oncall, home.escalation) == ("oncall-web", "sre-leads")
    assert api.oncall == "S0APIONCALL"
    assert api.pagerduty_routing_key == "R0123456789abcdef0123456789ABCDE"
    assert "R0123" not in repr(api)  # the key stays out of logs
    assert billing.name("fr") == "Billing database"  # a plain name is English
    assert not billing.public
    assert catalog.public() == (home, api)


def test_without_english_the_first_name_written_is_the_fallback() -> None:
    catalog = read_catalog('[[component]]\nid = "app"\nname = { fr = "Appli", de = "App" }\n')
    assert catalog.components[0].name("en") == "Appli"


def test_an_empty_file_is_an_empty_catalog() -> None:
    assert not read_catalog("")
    assert read_catalog("") == Catalog()


@pytest.mark.parametrize(
    ("text", "wanted"),
    [("home", "home"), ("HOME", "home"), ("home page", "home"), ("  Page   d'ACCUEIL ", "home"), ("public api", "api")],
)
def test_a_component_is_found_by_id_or_any_name_whatever_the_case(text: str, wanted: str) -> None:
    found = read_catalog(CHIRPER).find(text)
    assert found is not None and found.id == wanted


def test_a_name_holding_typed_markup_characters_is_found_as_it_was_typed() -> None:
    """What a command gives the catalog is people's text as stored (`markup.stored_form`: a typed
    `<` stays `&lt;`), compared as they read it: `/incident oncall R&D <beta>` finds it."""
    from bot.domain.markup import stored_form

    catalog = read_catalog('[[component]]\nid = "rnd"\nname = "R&D <beta>"\n')
    found = catalog.find(stored_form("r&amp;d &lt;BETA&gt;"))  # as Slack sends what was typed
    assert found is not None and found.id == "rnd"
    assert catalog.find(stored_form("&lt;@U0BOB&gt;")) is None


@pytest.mark.parametrize(("text", "suggested"), [("hom", "home"), ("home-page", "home"), ("publc api", "api")])
def test_a_near_miss_gets_a_suggestion(text: str, suggested: str) -> None:
    catalog = read_catalog(CHIRPER)
    assert catalog.find(text) is None
    close = catalog.suggest(text)
    assert close is not None and close.id == suggested


def test_nothing_close_suggests_nothing() -> None:
    assert read_catalog(CHIRPER).suggest("kubernetes") is None


def test_an_alert_belongs_to_the_components_whose_matchers_all_hold() -> None:
    catalog = read_catalog(CHIRPER)
    assert [c.id for c in catalog.matching({"service": "web", "severity": "critical"})] == ["home"]
    assert [c.id for c in catalog.matching({"service": "web", "severity": "warning"})] == []
    assert [c.id for c in catalog.matching({"service": "api"})] == ["api"]
    assert catalog.matching({}) == ()  # a component without `alerts` takes no alert


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[[component]", "is not valid TOML"),
        ('title = "x"', "unknown top-level key 'title'"),
        ('component = "x"', "`component` must be written as [[component]] tables"),
        ('[[component]]\nid = "home"\nname = "Home"\nalert = []', "component 'home': unknown key 'alert'"),
        ('[[component]]\nname = "Home"', "component #1: `id` must be a short lower-case name"),
        ('[[component]]\nid = "Home Page"\nname = "Home"', "component 'Home Page': `id` must be"),
        ('[[component]]\nid = "home"', "component 'home': `name` is required"),
        ('[[component]]\nid = "home"\nname = { english = "Home" }', "'english' in `name` is not a language code"),
        ('[[component]]\nid = "home"\nname = { en = "  " }', "`name.en` must be a non-empty text"),
        ('[[component]]\nid = "home"\nname = "Home"\npublic = "yes"', "`public` must be true or false"),
        ('[[component]]\nid = "home"\nname = "Home"\ngroup = 3', "`group` must be a text"),
        (
            '[[component]]\nid = "home"\nname = "Home"\nalerts = [\'service="web\']',
            "component 'home': in `alerts`, 'service=\"web' opens a quote it never closes",
        ),
        ('[[component]]\nid = "home"\nname = "Home"\nalerts = [\'severity=~"("\']', "does not compile"),
        ('[[component]]\nid = "home"\nname = "Home"\nalerts = [1]', "`alerts` must be a list of matchers"),
        ('[[component]]\nid = "home"\nname = "Home"\noncall = "@oncall-web"', "write `oncall` without the @"),
        (
            '[[component]]\nid = "home"\nname = "Home"\nescalation = "SRE leads"',
            "`escalation` must be a Slack user group",
        ),
        ('[[component]]\nid = "home"\nname = "Home"\npagerduty_routing_key = "abc"', "32-character integration key"),
        (
            '[[component]]\nid = "home"\nname = "Home"\n[[component]]\nid = "home"\nname = "Again"',
            "component 'home': the id is used again (first by component #1)",
        ),
    ],
)
def test_each_mistake_is_one_line_naming_the_component(text: str, problem: str) -> None:
    with pytest.raises(CatalogError) as refused:
        read_catalog(text)
    assert len(refused.value.problems) == 1
    assert problem in refused.value.problems[0]


def test_every_mistake_of_the_file_is_listed_at_once() -> None:
    text = (
        '[[component]]\nid = "a"\nname = "A"\nnope = 1\n[[component]]\nid = "b"\n[[component]]\nid = "a"\nname = "A2"'
    )
    with pytest.raises(CatalogError) as refused:
        read_catalog(text)
    assert len(refused.value.problems) == 3


def test_the_worst_state_wins_and_people_may_type_short_or_statuspage_words() -> None:
    assert ComponentState.worst([]) is ComponentState.OPERATIONAL
    assert ComponentState.worst([ComponentState.PARTIAL, ComponentState.DEGRADED]) is ComponentState.PARTIAL
    assert ComponentState.worst([ComponentState.MAJOR, ComponentState.PARTIAL]) is ComponentState.MAJOR
    assert STATE_WORDS["partial"] is STATE_WORDS["partial_outage"] is ComponentState.PARTIAL
    assert ComponentState.MAJOR.value == "major_outage"
