"""WebSocket route handlers addressed as "app/handlers/ws.<function>"."""

import decimal
import logging
import os

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def connect(event, context):
    logger.info("python handler got %s", event["message"])
    print("printed by the handler")
    return {
        "echo": event,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_positive": context.get_remaining_time_in_millis() > 0,
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
        "amount": decimal.Decimal("2.5"),
    }


class ValidationError(Exception):
    """Raised for bad input."""


def fails(event, context):
    raise ValidationError("bad input")


def fails_odd_name(event, context):
    """Raises an exception whose class name is not a valid header value."""
    odd = type("Odd\r\nX-Injected: yes \u00e9", (Exception,), {})
    raise odd("odd name")


def unserializable(event, context):
    return {"value": object()}


not_callable = 42
