"""The schema: one module per area, merged; limits and error masking applied."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, MaxTokensLimiter, QueryDepthLimiter
from strawberry.tools import merge_types

from core.config import Settings
from core.errors import BacklineError
from schema import channels, identity, presence
from schema import directory
from schema import messages
from schema import voicemail
from schema import interactions
from schema.auth import protect
from schema.errors import ERROR_TYPES

log = logging.getLogger("backline.api")

QUERIES = (identity.Query, channels.Query, presence.Query, directory.Query, messages.Query, voicemail.Query,
           interactions.Query)
MUTATIONS = (identity.Mutation, presence.Mutation, directory.Mutation, messages.Mutation, voicemail.Mutation,
             interactions.Mutation)
SUBSCRIPTIONS: tuple[type, ...] = (presence.Subscription, directory.Subscription, messages.Subscription, voicemail.Subscription,
                                         interactions.Subscription)
PUBLIC_FIELDS = {"login"}


def is_expected(error: GraphQLError) -> bool:
    """Parse and validation errors and BacklineErrors are meant for the client."""
    return error.original_error is None or isinstance(error.original_error, BacklineError)


class BacklineSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        for error in errors:
            if not is_expected(error):
                log.error("Unexpected error in %s", error.path, exc_info=error.original_error)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    query = protect(merge_types("Query", QUERIES), PUBLIC_FIELDS)
    mutation = protect(merge_types("Mutation", MUTATIONS), PUBLIC_FIELDS)
    subscription = merge_types("Subscription", SUBSCRIPTIONS) if SUBSCRIPTIONS else None
    return BacklineSchema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        types=ERROR_TYPES,
        extensions=[
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
            lambda: MaskErrors(should_mask_error=lambda error: not is_expected(error)),
        ],
    )
