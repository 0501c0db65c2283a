"""Names `make deadcode` (vulture) must not report: code that is used, but by a framework or
library that reads it by name, so no call to it appears in the source.

Each entry below only needs to mention the name; vulture counts any use. Decorated framework
entry points (strawberry resolvers, FastAPI routes, typer commands, pydantic validators,
hypothesis rules, pytest fixtures) are skipped by the decorator list in the Makefile instead.
"""

from types import SimpleNamespace

_ = SimpleNamespace()

_ = (
    # The standard library's http.server and socketserver call these hooks and read these
    # class attributes (the fake vendor APIs and the RouterOS simulator are servers).
    _.do_GET,
    _.do_POST,
    _.log_message,
    # aiosmtpd calls its handler's hooks by SMTP verb (the fake mail server of the e-mail tests).
    _.handle_DATA,
    # E-mail statuses reached by value (`EmailStatus(f"skipped_{reason}")`).
    _.SKIPPED_NO_ADDRESS,
    _.SKIPPED_FORGOTTEN,
    _.SKIPPED_NO_TEMPLATE,
    _.protocol_version,
    _.wbufsize,
    _.disable_nagle_algorithm,
    _.daemon_threads,
    _.block_on_close,
    # `__exit__` takes these three arguments whether or not it looks at them.
    _.exc_type,
    _.exc,
    _.traceback,
    # eventsourcing: the application and recorder hooks it calls, the projection hook of the
    # library runner the benchmark compares against, and the parameters of `@event` methods,
    # which become the fields of the recorded event.
    _.construct_factory,
    _.construct_mapper,
    _.to_stored_event,
    _.application_recorder_class,
    _.process_event,
    _.payment_reference,
    _.after_minutes,  # Conversation.Escalated
    # psycopg, reportlab, uvicorn, selenium, hypothesis and pytest read these attributes.
    _.itersize,
    _.row_factory,
    _.hAlign,
    _.should_exit,
    _.binary_location,
    _.teardown,
    _.pytestmark,
    # pydantic-settings reads the model configuration.
    _.model_config,
    # strawberry resolves the fields of its output types by name, and calls the GraphQL
    # router's websocket hook; FastAPI serialises the fields of its response models.
    _.page_info,
    _.pdf_url,
    _.reactivated_subscription_ids,
    _.last_attempt_at,
    _.queued,
    _.low_stock,
    _.on_hand_after,
    _.sla_seconds_left,
    _.enrolled_at,
    _.ended_at,
    _.next_cursor,
    _.on_ws_connect,
    _.turn_count,  # ConciergeConversation
    _.download_path,  # MediaFile
    _.project_management_percent,  # RateCard, QuoteEstimate, Quotation
    _.project_management,
    _.rate_card,  # RateCardSuccess
    _.process_manager,  # Backlog, in the operator's SystemHealth
    _.sla_paused,  # Ticket
    _.access_token_expires_at,  # AccountSession
    _.token_type,
    _.verification_sent,  # RegisterAccountSuccess
    _.sessions_ended,  # SessionsEndedSuccess
    # strawberry calls these hooks of schema extensions and of the GraphQL view by name, and
    # FastAPI reads `include_in_schema` when it builds the OpenAPI document.
    _.on_operation,
    _.on_execute,
    _.on_stream_result,
    _.decode_json,
    _.include_in_schema,
    # The voucher shop's Jinja template shows the agent's name.
    _.agent_name,
    # Enum members reached by value, from input or stored events, never by attribute.
    _.TEST,
    _.QRIS,
    _.DEBIT_CARD,
    _.CREDIT_CARD,
    _.EWALLET,
    _.MONTHLY,
    _.HOTSPOT,
    _.USER_AND_PASSWORD,
    _.cloud_api,
    # The AI port's reason for a tenant whose monthly AI budget is spent (docs/ai.md).
    _.BUDGET,
    # A REST route (DELETE /knowledge/documents/{id}): FastAPI calls it.
    _.delete_document,
)
