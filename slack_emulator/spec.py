"""Slack's published Web API spec, as the emulator checks every call against it.

Provenance: ``slack_web_api_methods.json`` (next to this module) is derived by
``slack_emulator/extract_spec.py`` from Slack's published OpenAPI (Swagger 2.0) file
``web-api/slack_web_openapi_v2.json`` of ``slackapi/slack-api-specs``, MIT licensed; the
license is shipped as ``LICENSE-slack-api-specs``. For each method it keeps the HTTP verb,
every argument with its ``required`` flag (``token`` excluded) and the documented error codes.

The 2017-era spec misses a few errors that Slack documents on its method pages today
(``invalid_blocks``, the ``views.*`` errors, ...). They are listed in ``DOCUMENTED_ELSEWHERE``
so that every error the emulator answers is either in the spec or named here. Methods Slack added
after that spec (``apps.connections.open``, for Socket Mode; ``files.getUploadURLExternal`` and
``files.completeUploadExternal``, Slack's file upload) are described in ``NEWER_METHODS`` from their
method pages, and arguments added since (message ``metadata``) in ``NEWER_ARGUMENTS``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

METHODS_FILE = "slack_web_api_methods.json"

# Errors any method can answer (transport, auth, arguments, emulator faults).
GENERIC_ERRORS = frozenset(
    {
        "not_authed",
        "invalid_auth",
        "invalid_arguments",
        "unknown_method",
        "ratelimited",
        "fatal_error",
        "service_unavailable",
        "not_implemented_by_emulator",
    }
)

# Errors documented on api.slack.com method pages but absent from the OpenAPI file's enums.
DOCUMENTED_ELSEWHERE: dict[str, frozenset[str]] = {
    "chat.postMessage": frozenset({"invalid_blocks", "invalid_blocks_format", "invalid_metadata_format"}),
    "chat.update": frozenset({"invalid_blocks", "invalid_blocks_format"}),
    "chat.postEphemeral": frozenset({"invalid_blocks", "invalid_blocks_format", "user_not_found"}),
    "conversations.history": frozenset({"not_in_channel", "invalid_cursor"}),
    "conversations.list": frozenset({"invalid_cursor"}),
    "pins.add": frozenset({"not_in_channel"}),
    "reactions.add": frozenset({"channel_not_found"}),
    "views.open": frozenset({"invalid_trigger_id", "expired_trigger_id", "exchanged_trigger_id", "invalid_blocks"}),
    "views.update": frozenset({"not_found", "hash_conflict", "invalid_blocks"}),
    "views.publish": frozenset({"user_not_found", "hash_conflict", "invalid_blocks"}),
    "usergroups.users.list": frozenset({"no_such_subteam", "plan_upgrade_required", "invalid_cursor"}),
    "usergroups.list": frozenset({"plan_upgrade_required", "missing_argument", "invalid_cursor"}),
}


@dataclass(frozen=True)
class MethodSpec:
    """One Web API method as the spec describes it."""

    name: str
    verb: str
    params: dict[str, bool]
    errors: frozenset[str]

    @property
    def required(self) -> list[str]:
        """Names of the arguments the spec marks required, in spec order."""
        return [name for name, required in self.params.items() if required]

    def allows_error(self, error: str) -> bool:
        """Whether answering ``error`` for this method is backed by Slack's documentation."""
        return (
            error in self.errors or error in GENERIC_ERRORS or error in DOCUMENTED_ELSEWHERE.get(self.name, frozenset())
        )


# Arguments added after the OpenAPI file, as the methods' api.slack.com pages describe them (all optional).
NEWER_ARGUMENTS: dict[str, frozenset[str]] = {
    "chat.postMessage": frozenset({"metadata"}),
    "conversations.history": frozenset({"include_all_metadata"}),
}

# The errors every method page on docs.slack.dev lists after the method's own (auth, tokens,
# arguments, transport, service), as the files.* pages below show them.
COMMON_ERRORS = frozenset(
    {
        "not_authed",
        "invalid_auth",
        "access_denied",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "org_login_required",
        "ekm_access_denied",
        "missing_scope",
        "not_allowed_token_type",
        "method_deprecated",
        "deprecated_endpoint",
        "two_factor_setup_required",
        "enterprise_is_restricted",
        "invalid_arguments",
        "invalid_arg_name",
        "invalid_array_arg",
        "invalid_charset",
        "invalid_form_data",
        "invalid_post_type",
        "missing_post_type",
        "team_added_to_org",
        "ratelimited",
        "accesslimited",
        "request_timeout",
        "service_unavailable",
        "fatal_error",
        "internal_error",
    }
)

# Methods newer than the OpenAPI file, as their api.slack.com / docs.slack.dev pages describe them.
NEWER_METHODS: dict[str, MethodSpec] = {
    "apps.connections.open": MethodSpec(
        name="apps.connections.open",
        verb="POST",
        params={},
        errors=frozenset(
            {
                "access_denied",
                "account_inactive",
                "invalid_auth",
                "not_allowed_token_type",
                "not_authed",
                "no_permission",
                "token_expired",
                "token_revoked",
                "ratelimited",
                "fatal_error",
                "internal_error",
                "service_unavailable",
            }
        ),
    ),
    # https://docs.slack.dev/reference/methods/files.getUploadURLExternal
    "files.getUploadURLExternal": MethodSpec(
        name="files.getUploadURLExternal",
        verb="POST",
        params={"filename": True, "length": True, "alt_txt": False, "snippet_type": False},
        errors=COMMON_ERRORS
        | frozenset(
            {
                "alt_txt_too_large",
                "file_upload_size_restricted",
                "file_uploads_disabled",
                "missing_argument",
                "snippet_too_large",
                "storage_limit_reached",
                "unknown_snippet_type",
                "unknown_subtype",
            }
        ),
    ),
    # https://docs.slack.dev/reference/methods/files.completeUploadExternal
    "files.completeUploadExternal": MethodSpec(
        name="files.completeUploadExternal",
        verb="POST",
        params={
            "files": True,
            "blocks": False,
            "channel_id": False,
            "channels": False,
            "initial_comment": False,
            "thread_ts": False,
        },
        errors=COMMON_ERRORS
        | frozenset(
            {
                "access_denied",
                "channel_not_found",
                "file_not_found",
                "file_update_failed",
                "invalid_blocks",
                "invalid_channel",
                "not_in_channel",
                "posting_to_channel_denied",
                "channels_limit_exceeded",
            }
        ),
    ),
}


@dataclass(frozen=True)
class WebApiSpec:
    """All methods of Slack's Web API spec, by name (``chat.postMessage``)."""

    source: str
    methods: dict[str, MethodSpec]

    def get(self, name: str) -> MethodSpec | None:
        """The method called ``name``, or None when Slack has no such method."""
        return self.methods.get(name)

    def missing_required(self, name: str, args: dict[str, Any]) -> list[str]:
        """The required arguments of ``name`` that ``args`` lacks (absent, null or empty)."""
        method = self.methods[name]
        return [param for param in method.required if args.get(param) in (None, "")]


def parse_extract(data: dict[str, Any]) -> WebApiSpec:
    """Build the spec from the JSON extract's content."""
    methods = {
        name: MethodSpec(
            name=name,
            verb=str(entry["verb"]),
            params={str(key): bool(value) for key, value in entry["params"].items()},
            errors=frozenset(str(error) for error in entry["errors"]),
        )
        for name, entry in data["methods"].items()
    }
    return WebApiSpec(source=str(data["source"]), methods=methods)


@cache
def load_spec() -> WebApiSpec:
    """The spec shipped with the package plus ``NEWER_ARGUMENTS`` and ``NEWER_METHODS`` (read once)."""
    text = resources.files("slack_emulator").joinpath(METHODS_FILE).read_text(encoding="utf-8")
    extract = parse_extract(json.loads(text))
    methods = dict(extract.methods)
    for name, arguments in NEWER_ARGUMENTS.items():
        method = methods[name]
        methods[name] = replace(method, params={**method.params, **dict.fromkeys(sorted(arguments), False)})
    return WebApiSpec(source=extract.source, methods={**methods, **NEWER_METHODS})
