"""cbstatus: tell a caller, in words an IVR can speak, where their Mindful callback stands.

A ctypes binding of ``libcbstatus.so`` (the C API of ``cbstatus.h``)::

    import cbstatus

    # One call, configured from CBSTATUS_* environment variables; never raises for lookup
    # failures (the text is then the fallback sentence, cbstatus.last_error() says why).
    text = cbstatus.status_lookup("+15551230001")

    # A client (thread-safe, share one) and typed results.
    with cbstatus.Client(api_url="http://127.0.0.1:8080/...", timeout_ms=1500) as client:
        with client.lookup("+15551230001") as result:
            print(result.found, result.position, result.text, result.render("ssml", "es-US"))

The library is found at ``load_library(path)`` / ``Client(library=path)``, else
``$CBSTATUS_LIBRARY``, else ``libcbstatus.so`` next to this package, else the system loader.
It is loaded on first use, so importing this package never fails for lack of it.

Logging goes to ``logging.getLogger("cbstatus")`` (numbers masked to their last 4 digits);
nothing is printed. ``forward_library_logs()`` also routes the C library's own diagnostics to
the ``cbstatus.lib`` logger.
"""

from __future__ import annotations

import logging as _logging

from ._channel import (
    CHANNEL_VARIABLES,
    FALLBACK_TEXT,
    JOURNEY_VARIABLES,
    channel_variables,
    error_variables,
    journey_variables,
    safe_prompts,
)
from ._client import Client, last_error, mask_number, shutdown, status_lookup, version, version_number
from ._config import SETTINGS, Config
from ._errors import (
    ApiError,
    BodyTooLarge,
    Busy,
    CbError,
    CircuitOpen,
    ConfigError,
    ConnectError,
    ErrorCode,
    HttpError,
    IncompatibleLibrary,
    InternalError,
    InvalidArgument,
    InvalidConfig,
    InvalidNumber,
    InvalidUtf8,
    LibraryNotFound,
    LookupTimeout,
    MalformedReply,
    NoReply,
    NotConfigured,
    PanicError,
    RateLimited,
    TlsError,
    Unauthorized,
    UnknownLocale,
    error_class,
)
from ._lib import EXPECTED_MAJOR, Library, get_library, load_library
from ._log import LIBRARY_LOGGER, forward_library_logs, stop_library_logs
from ._result import Action, CancelOutcome, Format, RegisterOutcome, Result

__version__ = "0.1.0"

__all__ = [
    "__version__",
    # functions
    "status_lookup",
    "last_error",
    "shutdown",
    "version",
    "version_number",
    "status_name",
    "status_str",
    "load_library",
    "get_library",
    "mask_number",
    "channel_variables",
    "error_variables",
    "journey_variables",
    "JOURNEY_VARIABLES",
    "safe_prompts",
    "CHANNEL_VARIABLES",
    "FALLBACK_TEXT",
    "error_class",
    "forward_library_logs",
    "stop_library_logs",
    "LIBRARY_LOGGER",
    # classes
    "Library",
    "Config",
    "Client",
    "Result",
    "Format",
    "Action",
    "CancelOutcome",
    "RegisterOutcome",
    "ErrorCode",
    "SETTINGS",
    "EXPECTED_MAJOR",
    # exceptions
    "LibraryNotFound",
    "IncompatibleLibrary",
    "CbError",
    "InvalidNumber",
    "ConfigError",
    "NotConfigured",
    "InvalidConfig",
    "ApiError",
    "LookupTimeout",
    "ConnectError",
    "TlsError",
    "NoReply",
    "HttpError",
    "Unauthorized",
    "RateLimited",
    "MalformedReply",
    "BodyTooLarge",
    "CircuitOpen",
    "InternalError",
    "PanicError",
    "InvalidArgument",
    "InvalidUtf8",
    "UnknownLocale",
    "Busy",
]

# A library never configures logging for the application; this only silences the
# "no handler" fallback so nothing reaches stderr unless the application asks for it.
_logging.getLogger("cbstatus").addHandler(_logging.NullHandler())


def status_name(code: int) -> str:
    """The library's short name of a status code, e.g. ``"timeout"`` (``cb_status_name``)."""
    return get_library().status_name(code)


def status_str(code: int) -> str:
    """The library's English description of a status code (``cb_status_str``)."""
    return get_library().status_str(code)
