"""The schema: one module per area, merged; limits and error masking applied."""

from __future__ import annotations

import contextlib
import functools
import logging
from typing import Any, Iterable

import strawberry
from graphql import (ASTValidationRule, DocumentNode, GraphQLError, NoSchemaIntrospectionCustomRule, OperationType,
                     get_operation_ast, parse, specified_rules)
from strawberry.extensions import QueryDepthLimiter, SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.schema import validate_document
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from core.config import Settings
from core.errors import BacklineError
from schema import channels, identity, presence
from schema import directory
from schema import messages
from schema import voicemail
from schema import interactions
from schema import customer_chat, im, transcripts
from schema import supervision
from schema import channel_credentials
from schema import streams
from schema import offers
from schema import wrap_up
from schema import waiting
from schema import wallboard_history
from schema.auth import protect
from schema.channel_fields import guard_channel_fields
from schema.clean_text import check_text
from schema.errors import ERROR_TYPES
from schema.interaction_events import EVENT_TYPES
from schema.execution import BacklineExecution
from schema.metrics import count_operation

log = logging.getLogger("backline.api")

QUERIES = (identity.Query, channels.Query, presence.Query, directory.Query, messages.Query, voicemail.Query,
           interactions.Query, transcripts.Query, im.Query, customer_chat.Query, supervision.Query, streams.Query,
           offers.Query, wrap_up.Query, waiting.Query, wallboard_history.Query)
MUTATIONS = (identity.Mutation, presence.Mutation, directory.Mutation, messages.Mutation, voicemail.Mutation,
             interactions.Mutation, transcripts.Mutation, im.Mutation, customer_chat.Mutation, supervision.Mutation,
             wrap_up.Mutation, channel_credentials.Mutation)
SUBSCRIPTIONS: tuple[type, ...] = (presence.Subscription, directory.Subscription, messages.Subscription, voicemail.Subscription,
                                         interactions.Subscription, transcripts.Subscription, im.Subscription,
                                         customer_chat.Subscription, supervision.Subscription, offers.Subscription)
QUERY_CACHE_SIZE = 256  # distinct query texts kept parsed and validated (bounded: texts come from clients)
PUBLIC_FIELDS = {"login"} | customer_chat.PUBLIC


def is_expected(error: GraphQLError) -> bool:
    """Parse and validation errors and BacklineErrors are meant for the client."""
    return error.original_error is None or isinstance(error.original_error, BacklineError)


def mask(error: GraphQLError) -> GraphQLError:
    if is_expected(error):
        return error
    return GraphQLError("Unexpected error.", nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path, original_error=None)


class NoExtensionsRunner(SchemaExtensionsRunner):
    """The runner of an operation without schema extensions (Backline's all are): each phase
    is a shared no-op context manager, where strawberry's makes one per phase, looks each
    extension's hook up and opens an exit stack, 5 to 8 µs an operation for nothing."""

    _NOTHING = contextlib.nullcontext()  # reusable, and usable with `with` and `async with`

    def operation(self):
        return self._NOTHING

    parsing = validation = executing = operation

    def on_stream_result(self, result):
        return self._NOTHING


class BacklineSchema(strawberry.Schema):
    """The limits and caches every operation goes through, applied here rather than by
    strawberry schema extensions (MaxTokensLimiter, AddValidationRules, ParserCache,
    ValidationCache, MaskErrors): an extension costs every request its hook lookups and a
    context manager per hook and phase, ~50 µs a request for those five, a quarter of a
    constant query's. Same limits, same errors, same order of checks."""

    def __init__(self, *args: Any, max_tokens: int, validation_rules: Iterable[type[ASTValidationRule]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_tokens = max_tokens
        self.validation_rules = (*specified_rules, *validation_rules)
        # Clients send the same few documents again and again: parse and validate each once
        # (bounded: texts come from clients). Nothing about a document's validity depends on
        # the request: the schema and the rules are fixed.
        self._prepared = functools.lru_cache(maxsize=QUERY_CACHE_SIZE)(self._prepare)

    def _prepare(self, query: str) -> tuple[DocumentNode, list[GraphQLError]]:
        document = parse(query, max_tokens=self.max_tokens)
        return document, validate_document(self._schema, document, self.validation_rules)

    def is_subscription(self, query: str | None, operation_name: str | None) -> bool:
        """Whether the document's operation is a subscription (parsed once, cached); False for
        one that does not parse, which strawberry then reports."""
        try:
            document, _ = self._prepared(query or "")
        except Exception:  # noqa: BLE001 - reported when executed
            return False
        operation = get_operation_ast(document, operation_name)
        return operation is not None and operation.operation is OperationType.SUBSCRIPTION

    def _create_execution_context(self, *args: Any, **kwargs: Any) -> ExecutionContext:
        """Every execution (query, mutation, subscription) starts here. A cached document and
        its validation errors are handed to strawberry as ParserCache and ValidationCache
        did: strawberry then skips parsing and validating, and still checks the operation
        type between the two and reports the errors as before."""
        context = super()._create_execution_context(*args, **kwargs)
        context.parse_options["max_tokens"] = self.max_tokens
        context.validation_rules = self.validation_rules
        if context.query:
            try:
                context.graphql_document, context.pre_execution_errors = self._prepared(context.query)
            except Exception:  # noqa: BLE001 - strawberry parses (and validates) it again, and reports it
                pass
            else:
                count_operation(context.context, context.graphql_document, context.provided_operation_name)
        return context

    def create_extensions_runner(self, execution_context: ExecutionContext,
                                 extensions: list[SchemaExtension]) -> SchemaExtensionsRunner:
        if extensions:
            return super().create_extensions_runner(execution_context, extensions)
        return NoExtensionsRunner(execution_context=execution_context, extensions=extensions)

    def process_errors(self, errors, execution_context=None) -> None:
        """Logs, then masks in place, every unexpected error: strawberry hands every result
        with errors here (executed, pre-execution, streamed) before sending it, the list
        being the result's own. This is all the masking there is (no MaskErrors extension)."""
        for error in errors:
            if not is_expected(error):
                log.error("Unexpected error in %s", error.path, exc_info=error.original_error)
                backline = getattr(getattr(execution_context, "context", None), "backline", None)
                if backline is not None:
                    backline.tally.add("request_errors", operation=str(error.path[0]) if error.path else "")
        if isinstance(errors, list):
            errors[:] = [mask(error) for error in errors]


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    # One schema whatever is enabled: a disabled channel's fields are refused, not removed.
    query = check_text(protect(merge_types("Query", guard_channel_fields(QUERIES)), PUBLIC_FIELDS))
    mutation = check_text(protect(merge_types("Mutation", guard_channel_fields(MUTATIONS)), PUBLIC_FIELDS))
    subscription = check_text(merge_types("Subscription", SUBSCRIPTIONS))
    return BacklineSchema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        types=(*ERROR_TYPES, *EVENT_TYPES),
        # One execution per change and audience, not per subscriber (presence fan-out); plain
        # scalar fields read without graphql-core's per-field machinery.
        execution_context_class=BacklineExecution,
        max_tokens=settings.max_query_tokens,
        validation_rules=(*QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
                          # `__schema` and `__type` refused when introspection is off (production)
                          *(() if settings.introspection else (NoSchemaIntrospectionCustomRule,))),
    )
