"""The one place where Anthropic SDK exceptions become `ModelBackendError`s.

The SDK has already retried what is worth retrying (408, 409, 429, 5xx, 529, connection
errors, `max_retries` times with backoff) by the time an exception reaches us, so every message
says how many retries were spent and what to do next. Nothing here imports `anthropic` at
module level: the exception types are taken from the module passed in.
"""

from __future__ import annotations

from types import ModuleType

from agentops.errors import ModelBackendError

STUB_HINT = "try again in a minute, or use --model stub for the offline answer"


def _api_message(exc: BaseException) -> str:
    text = getattr(exc, "api_message", None) or getattr(exc, "message", None) or str(exc)
    return " ".join(str(text).split())[:300]


def _error_type(exc: BaseException) -> str:
    """`error.type` from the body; for errors sent inside a stream the SDK nests it."""
    kind = getattr(exc, "type", None)
    if kind:
        return str(kind)
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("type"):
            return str(error["type"])
    return ""


def translate(
    exc: BaseException, sdk: ModuleType, *, model: str, retries: int, base_url: str
) -> ModelBackendError:
    """A `ModelBackendError` that says what failed, after how many retries, and what to try."""
    after = f" after {retries} retries" if retries else ""
    if isinstance(exc, sdk.APITimeoutError):
        return ModelBackendError(f"Anthropic API timed out{after}", hint=STUB_HINT, retries=retries)
    if isinstance(exc, sdk.APIConnectionError):
        return ModelBackendError(
            f"cannot reach the Anthropic API at {base_url}{after}: {_api_message(exc)}",
            hint="check the network (and ANTHROPIC_BASE_URL), or use --model stub",
            retries=retries,
        )
    if isinstance(exc, sdk.APIResponseValidationError):
        return malformed(f"the response did not match the Messages API ({_api_message(exc)})")
    if isinstance(exc, sdk.APIStatusError):
        return _status_error(exc, sdk, model=model, retries=retries, after=after)
    if isinstance(exc, sdk.AnthropicError):
        return ModelBackendError(f"Anthropic SDK error: {_api_message(exc)}", hint=STUB_HINT)
    return malformed(f"{exc.__class__.__name__}: {_api_message(exc)}")


def _status_error(
    exc: BaseException, sdk: ModuleType, *, model: str, retries: int, after: str
) -> ModelBackendError:
    status = int(getattr(exc, "status_code", 0) or 0)
    kind = _error_type(exc)
    detail = _api_message(exc)
    if isinstance(exc, sdk.OverloadedError) or kind == "overloaded_error" or status == 529:
        mid_stream = " (mid-stream, not retried)" if status == 200 else ""
        return ModelBackendError(
            f"Anthropic API overloaded (529){after}{mid_stream}; try again or use --model stub",
            hint="AGENTOPS_MODEL=stub makes the offline stub the default until the API recovers",
            status=529,
            retries=retries,
        )
    if isinstance(exc, sdk.RateLimitError) or kind == "rate_limit_error":
        return ModelBackendError(
            f"Anthropic API rate limit (429){after}: {detail}",
            hint="wait a minute, lower the request rate, or use --model stub",
            status=429,
            retries=retries,
        )
    if isinstance(exc, sdk.AuthenticationError):
        return ModelBackendError(
            "Anthropic API rejected the API key (401)",
            hint="check ANTHROPIC_API_KEY, or unset it to use the offline stub",
            status=401,
        )
    if isinstance(exc, sdk.PermissionDeniedError):
        return ModelBackendError(
            f"Anthropic API denied access (403): {detail}",
            hint=f"check that the key may use {model}",
            status=403,
        )
    if isinstance(exc, sdk.NotFoundError):
        return ModelBackendError(
            f"Anthropic API does not know model {model!r} (404): {detail}",
            hint="pick another with --model, AGENTOPS_MODEL or model = in agentops.toml",
            status=404,
        )
    if isinstance(exc, sdk.InternalServerError) or status >= 500:
        return ModelBackendError(
            f"Anthropic API server error ({status}){after}: {detail}",
            hint=STUB_HINT,
            status=status,
            retries=retries,
        )
    if status == 200:  # an `error` event inside a 200 stream
        return ModelBackendError(
            f"Anthropic API failed mid-answer ({kind or 'error'}): {detail}",
            hint=STUB_HINT,
            status=status,
        )
    return ModelBackendError(
        f"Anthropic API refused the request ({status}): {detail}",
        hint="this is likely a bug in agentops; please report it with the message",
        status=status,
    )


def malformed(detail: str) -> ModelBackendError:
    return ModelBackendError(
        f"malformed response from the Anthropic API: {detail}",
        hint="check ANTHROPIC_BASE_URL points at the Messages API, or use --model stub",
    )
