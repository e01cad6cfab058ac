"""The recurrence check's similarity: titles that must match, and titles that must not."""

from __future__ import annotations

import pytest

from bot.domain.similarity import Lexicon, alike, likeness, packaged_lexicon, signature, tokens

MUST_MATCH = [
    # different words for one symptom
    ("Something went wrong on the home page", "Home page errors for users in India"),
    ("Something went wrong on home page", "Homepage broken"),
    ("Checkout down", "Payments failing"),
    ("Login slow", "Sign-in timeouts"),
    ("Elevated 500s on the feed", "Timeline not loading"),
    ("Search slow", "Searching is slow in EU"),
    ("Deploys stuck in queue", "Deploy queue stuck"),
    # the same component, a different way of failing
    ("Home page slow", "Home page down"),
    # French and English
    ("Something went wrong on the home page", "Erreur sur la page d'accueil"),
    ("Connexion impossible", "Users cannot log in"),
    ("Paiements en échec", "Checkout errors"),
    # a typo
    ("Hompage errors", "Homepage errors"),
    # Slack markup in a title is read as its words
    ("<https://chirper.example/|Home page> returns 500s", "home page broken"),
]

MUST_NOT_MATCH = [
    # one word in common by chance
    ("Payment API errors", "Search API errors"),
    ("Login page errors", "Home page errors"),
    ("Upload failures", "Search failures"),
    ("Users in India cannot log in", "Users in India see slow search"),
    ("Database failover", "Search slow"),
    # only words that say nothing about what broke
    ("Something is wrong", "Some users see problems"),
    ("Erreur", "Error"),
]


@pytest.mark.parametrize(("first", "second"), MUST_MATCH)
def test_titles_about_the_same_thing_are_alike(first: str, second: str) -> None:
    assert alike(first, second), likeness(signature(first), signature(second))
    assert alike(second, first)


@pytest.mark.parametrize(("first", "second"), MUST_NOT_MATCH)
def test_titles_sharing_a_word_by_chance_are_not_alike(first: str, second: str) -> None:
    assert not alike(first, second), likeness(signature(first), signature(second))
    assert not alike(second, first)


def test_words_are_folded_without_accents_and_split_at_apostrophes() -> None:
    assert tokens("Échec de la page d’accueil") == ["echec", "de", "la", "page", "d", "accueil"]


def test_the_longest_phrase_wins() -> None:
    lexicon = Lexicon.from_tables([{"concepts": [["page", "page"], ["home page", "homepage"]], "stop_words": []}])
    assert signature("home page", lexicon).subjects == {"homepage"}


def test_every_packaged_lexicon_loads_and_maps_to_shared_concepts() -> None:
    lexicon = packaged_lexicon()
    concepts = set(lexicon.phrases.values())
    assert {"homepage", "login", "payment", "symptom:failure", "symptom:slow"} <= concepts
    assert "the" in lexicon.stop_words and "les" in lexicon.stop_words


def test_a_symptom_alone_is_never_a_subject() -> None:
    assert signature("errors, outage, 503").subjects == frozenset()
