"""WEB3: every page, GraphiQL included, works with no Internet access: the browser resolves no
host but 127.0.0.1, and each page still starts, having asked nothing of any other host."""

from __future__ import annotations

from schema.pages import STATIC, VENDOR


def test_web3_pages_and_graphiql_work_with_the_network_cut(browser):
    page = browser("offline")
    page.open("/")
    page.wait_text("Agent desktop")
    assert {a.get_attribute("href").split("/", 3)[3] for a in page.all("a")} == {"desk", "wallboard", "graphql"}
    assert "helene.durand" in page.text() and "lead" in page.text()
    page.shot("home")
    # GraphiQL starts from the vendored files: its editor is there, not "Loading…".
    page.open("/graphql")
    page.wait(lambda: page.css(".graphiql-query-editor"), "GraphiQL's editor")
    page.shot("graphiql")
    assert page.outside_requests() == [] and page.console_errors() == []
    for path in ("/desk", "/wallboard"):
        page.open(path)
        page.wait(lambda: page.css("form.signin"), f"{path}'s sign-in form")
        assert page.outside_requests() == [], path
        assert page.console_errors() == [], path


def test_web3_french_from_the_same_catalogue_and_signing_in_by_keyboard(browser):
    from selenium.webdriver.common.keys import Keys

    page = browser("french", language="fr-FR").open("/desk")
    page.wait_text("Connexion")
    assert page.css("html").get_attribute("lang") == "fr"
    # The keyboard alone: the username field has the focus, Tab to the password, Enter. A wrong
    # password first: the typed result's message is shown as an alert.
    page.driver.switch_to.active_element.send_keys("agent", Keys.TAB, "wrong", Keys.ENTER)
    page.wait(lambda: page.css("[role=alert]").text.startswith("Erreur : "), "the typed error's message")
    page.css("input[name=password]").clear()
    page.css("input[name=password]").send_keys("demo", Keys.ENTER)
    page.wait_text("Ma présence")
    page.wait_text("Déconnecté", "tr[data-channel=voice]")
    page.shot("fr")


def test_web3_pages_reference_no_outside_address():
    """The pages' own files name no host: everything they load is a path on the server."""
    for file in STATIC.rglob("*"):
        if file.is_file():
            text = file.read_text(encoding="utf-8")
            assert "http://" not in text and "https://" not in text, file
    licences = {p.parent.name for p in VENDOR.glob("*/LICENSE*")}
    assert licences == {p.name for p in VENDOR.iterdir() if p.is_dir()}
