"""The schema: one module per area, merged; limits and error masking applied."""

from __future__ import annotations

import logging
import sys
from typing import Iterable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (AddValidationRules, MaskErrors, MaxTokensLimiter, ParserCache,
                                   QueryDepthLimiter, ValidationCache)
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.tools import merge_types

from core.config import Settings
from core.errors import BacklineError
from schema import channels, identity, presence
from schema import directory
from schema import messages
from schema import voicemail
from schema import interactions
from schema import customer_chat, im, transcripts
from schema import supervision
from schema.auth import protect
from schema.errors import ERROR_TYPES
from schema.execution import BacklineExecution

log = logging.getLogger("backline.api")

QUERIES = (identity.Query, channels.Query, presence.Query, directory.Query, messages.Query, voicemail.Query,
           interactions.Query, transcripts.Query, im.Query, customer_chat.Query, supervision.Query)
MUTATIONS = (identity.Mutation, presence.Mutation, directory.Mutation, messages.Mutation, voicemail.Mutation,
             interactions.Mutation, transcripts.Mutation, im.Mutation, customer_chat.Mutation, supervision.Mutation)
SUBSCRIPTIONS: tuple[type, ...] = (presence.Subscription, directory.Subscription, messages.Subscription, voicemail.Subscription,
                                         interactions.Subscription, transcripts.Subscription, im.Subscription,
                                         customer_chat.Subscription, supervision.Subscription)
QUERY_CACHE_SIZE = 256  # distinct query texts kept parsed and validated (bounded: texts come from clients)
PUBLIC_FIELDS = {"login"} | customer_chat.PUBLIC


def for_channels(types: tuple[type, ...], channels: Iterable[str] | None) -> tuple[type, ...]:
    """A module that belongs to one channel plugin (its `CHANNEL`) is left out when that
    channel is not enabled (IM4, CH3); `channels=None` keeps everything (the exported SDL)."""
    if channels is None:
        return types
    enabled = set(channels)
    return tuple(t for t in types if getattr(sys.modules[t.__module__], "CHANNEL", None) in (None, *enabled))


def is_expected(error: GraphQLError) -> bool:
    """Parse and validation errors and BacklineErrors are meant for the client."""
    return error.original_error is None or isinstance(error.original_error, BacklineError)


def mask(error: GraphQLError) -> GraphQLError:
    if is_expected(error):
        return error
    return GraphQLError("Unexpected error.", nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path, original_error=None)


class BacklineMaskErrors(MaskErrors):
    """MaskErrors without its per-result `isinstance` against a runtime-checkable Protocol,
    and without a hook per streamed result: each subscription event to each subscriber paid
    for a context manager even with no error. Streamed results are masked by
    BacklineSchema.process_errors instead, which sees every result that has errors."""

    on_stream_result = SchemaExtension.on_stream_result  # the default: no hook

    def _process_result(self, result: object) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)


class BacklineSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        for error in errors:
            if not is_expected(error):
                log.error("Unexpected error in %s", error.path, exc_info=error.original_error)
        # Logged first, then masked in place: the list is the result's own, about to be sent.
        if isinstance(errors, list):
            errors[:] = [mask(error) for error in errors]


def build_schema(settings: Settings | None = None, channels: Iterable[str] | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    query = protect(merge_types("Query", for_channels(QUERIES, channels)), PUBLIC_FIELDS)
    mutation = protect(merge_types("Mutation", for_channels(MUTATIONS, channels)), PUBLIC_FIELDS)
    subscriptions = for_channels(SUBSCRIPTIONS, channels)
    subscription = merge_types("Subscription", subscriptions) if subscriptions else None
    # The depth rule is made once: ValidationCache keys on the rule classes, and a rule
    # class made per request would never hit the cache.
    depth_rules = QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules
    return BacklineSchema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        types=ERROR_TYPES,
        # One execution per change and audience, not per subscriber (presence fan-out); plain
        # scalar fields read without graphql-core's per-field machinery.
        execution_context_class=BacklineExecution,
        extensions=[
            lambda: AddValidationRules(depth_rules),
            lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
            # Clients send the same few documents again and again: parse and validate each once.
            lambda: ParserCache(maxsize=QUERY_CACHE_SIZE),
            lambda: ValidationCache(maxsize=QUERY_CACHE_SIZE),
            lambda: BacklineMaskErrors(should_mask_error=lambda error: not is_expected(error)),
        ],
    )
