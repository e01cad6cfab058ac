"""The vendored Web API extract matches Slack's published spec, and the emulator stays inside it."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from slack_emulator import extract_spec
from slack_emulator.spec import DOCUMENTED_ELSEWHERE, load_spec
from slack_emulator.web_api import HANDLERS

OPENAPI = extract_spec.DEFAULT_SPEC  # Slack's OpenAPI file, in shared/ beside the checkout


@pytest.mark.skipif(not OPENAPI.exists(), reason=f"Slack's OpenAPI file is not available at {OPENAPI}")
def test_the_vendored_extract_is_exactly_what_the_tool_derives_from_slacks_openapi_file() -> None:
    derived = extract_spec.derive(json.loads(OPENAPI.read_text(encoding="utf-8")))
    vendored = resources.files("slack_emulator").joinpath("slack_web_api_methods.json").read_text(encoding="utf-8")
    assert json.loads(vendored) == derived
    assert vendored == extract_spec.render(derived)


@pytest.mark.skipif(not OPENAPI.exists(), reason=f"Slack's OpenAPI file is not available at {OPENAPI}")
def test_the_shipped_license_is_slacks_license_for_the_spec() -> None:
    shipped = resources.files("slack_emulator").joinpath("LICENSE-slack-api-specs").read_text(encoding="utf-8")
    assert shipped == (OPENAPI.parent / "LICENSE-slack-api-specs").read_text(encoding="utf-8")


def test_the_license_ships_with_the_package_and_is_mit() -> None:
    shipped = resources.files("slack_emulator").joinpath("LICENSE-slack-api-specs").read_text(encoding="utf-8")
    assert shipped.startswith("MIT License")


def test_the_extract_knows_the_methods_and_their_required_arguments() -> None:
    spec = load_spec()
    assert len(spec.methods) > 150
    post = spec.methods["chat.postMessage"]
    assert post.verb == "POST"
    assert post.required == ["channel"]
    assert "token" not in post.params
    assert "channel_not_found" in post.errors
    assert spec.methods["reactions.add"].required == ["channel", "name", "timestamp"]
    assert "name_taken" in spec.methods["conversations.create"].errors


def test_every_method_the_emulator_implements_is_a_real_slack_method() -> None:
    spec = load_spec()
    assert sorted(name for name in HANDLERS if spec.get(name) is None) == []


def test_errors_documented_outside_the_spec_are_only_for_real_methods() -> None:
    spec = load_spec()
    assert sorted(name for name in DOCUMENTED_ELSEWHERE if spec.get(name) is None) == []


def test_arguments_slack_added_after_the_spec_are_known_and_optional() -> None:
    spec = load_spec()
    assert spec.methods["chat.postMessage"].params["metadata"] is False
    assert spec.methods["conversations.history"].params["include_all_metadata"] is False
    assert spec.methods["chat.postMessage"].required == ["channel"]
