"""Exceptions of the cbstatus binding, one class per ``CB_E_*`` family of ``cbstatus.h``."""

from __future__ import annotations

import enum
from typing import Dict, List, Optional, Type

__all__ = [
    "ErrorCode",
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
    "error_class",
]


class ErrorCode(enum.IntEnum):
    """The status codes of the C API (``CB_OK`` and the ``CB_E_*`` constants).

    Codes are stable: the library never renumbers or reuses them.
    """

    OK = 0
    INVALID_NUMBER = 1
    NOT_CONFIGURED = 2
    INVALID_CONFIG = 3
    TIMEOUT = 4
    CONNECT = 5
    TLS = 6
    HTTP_STATUS = 7
    UNAUTHORIZED = 8
    RATE_LIMITED = 9
    MALFORMED_REPLY = 10
    BODY_TOO_LARGE = 11
    INTERNAL = 12
    INVALID_ARGUMENT = 13
    INVALID_UTF8 = 14
    PANIC = 15
    CIRCUIT_OPEN = 16
    UNKNOWN_LOCALE = 17
    BUSY = 18
    NO_REPLY = 19


class LibraryNotFound(ImportError):
    """``libcbstatus.so`` could not be loaded.

    ``searched`` lists every place that was tried, with the reason each one failed.
    """

    def __init__(self, message: str, searched: Optional[List[str]] = None) -> None:
        super().__init__(message)
        #: Every candidate tried, as ``"<candidate>: <why it failed>"``.
        self.searched: List[str] = list(searched or [])


class IncompatibleLibrary(ImportError):
    """The loaded ``libcbstatus.so`` has a major version this package does not support."""


class CbError(Exception):
    """A failure reported by libcbstatus.

    Attributes:
        code: the stable numeric code (``CB_E_*``), also ``ErrorCode(code)`` when known.
        name: the library's short name for the code, e.g. ``"timeout"``.
        message: the library's explanation (never contains the API token).
    """

    #: The ``CB_E_*`` code this class stands for (``None`` on family base classes).
    default_code: Optional[int] = None

    def __init__(self, code: int, name: str, message: str) -> None:
        super().__init__(code, name, message)
        self.code: int = int(code)
        self.name: str = name
        self.message: str = message

    @property
    def error_code(self) -> Optional[ErrorCode]:
        """The code as an :class:`ErrorCode`, or ``None`` for a code this package predates."""
        try:
            return ErrorCode(self.code)
        except ValueError:
            return None

    def __str__(self) -> str:
        return f"{self.name} ({self.code}): {self.message}" if self.message else f"{self.name} ({self.code})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, name={self.name!r}, message={self.message!r})"

    def __reduce__(self) -> "tuple[type, tuple[int, str, str]]":  # pickle/copy keep the subclass
        return (type(self), (self.code, self.name, self.message))


class InvalidNumber(CbError):
    """The caller number is empty, ``unknown``, anonymous, has letters or a bad length."""

    default_code = ErrorCode.INVALID_NUMBER


class ConfigError(CbError):
    """A setting is invalid or missing (family of ``NotConfigured`` and ``InvalidConfig``)."""

    default_code = ErrorCode.INVALID_CONFIG


class NotConfigured(ConfigError):
    """No API URL is configured (``CBSTATUS_API_URL`` / ``api_url``)."""

    default_code = ErrorCode.NOT_CONFIGURED


#: A setting has an invalid value or an unknown name (``CB_E_INVALID_CONFIG``).
InvalidConfig = ConfigError


class ApiError(CbError):
    """The lookup could not get a usable answer from the Mindful API (family)."""


class LookupTimeout(ApiError):
    """The lookup did not finish within the deadline (``timeout_ms``)."""

    default_code = ErrorCode.TIMEOUT


class ConnectError(ApiError):
    """The request never fully left: the API server could not be reached, or the connection
    broke before the whole request was written (nothing reached Mindful)."""

    default_code = ErrorCode.CONNECT


class TlsError(ConnectError):
    """The TLS handshake with the API failed."""

    default_code = ErrorCode.TLS


class NoReply(ApiError):
    """The whole request was sent, then no reply came (the connection closed, was reset, or the
    deadline passed): Mindful may have received it and acted on it (a register may have booked
    the callback; a later lookup tells)."""

    default_code = ErrorCode.NO_REPLY


class HttpError(ApiError):
    """The API answered an HTTP error status (the message says which)."""

    default_code = ErrorCode.HTTP_STATUS


class Unauthorized(HttpError):
    """The API refused the credentials (HTTP 401/403)."""

    default_code = ErrorCode.UNAUTHORIZED


class RateLimited(HttpError):
    """The API is rate limiting this client (HTTP 429)."""

    default_code = ErrorCode.RATE_LIMITED


class MalformedReply(ApiError):
    """The API reply could not be understood."""

    default_code = ErrorCode.MALFORMED_REPLY


class BodyTooLarge(MalformedReply):
    """The API reply is larger than allowed (1 MiB)."""

    default_code = ErrorCode.BODY_TOO_LARGE


class CircuitOpen(ApiError):
    """The API keeps failing; the circuit breaker answered without calling it."""

    default_code = ErrorCode.CIRCUIT_OPEN


class InternalError(CbError):
    """An internal error inside libcbstatus."""

    default_code = ErrorCode.INTERNAL


class PanicError(InternalError):
    """A panic inside libcbstatus was caught at the C boundary."""

    default_code = ErrorCode.PANIC


class InvalidArgument(CbError, ValueError):
    """An argument was rejected by the library (NULL, out of range, unknown format)."""

    default_code = ErrorCode.INVALID_ARGUMENT


class InvalidUtf8(InvalidArgument):
    """A string argument was not valid UTF-8."""

    default_code = ErrorCode.INVALID_UTF8


class UnknownLocale(CbError):
    """The requested locale is not available (the text was rendered in English)."""

    default_code = ErrorCode.UNKNOWN_LOCALE


class Busy(CbError):
    """A FastAGI server was at its ``--max-calls`` limit and answered with the fallback (name
    ``busy`` in ``CBSTATUS_ERROR``; the library itself never returns it)."""

    default_code = ErrorCode.BUSY


_BY_CODE: Dict[int, Type[CbError]] = {
    ErrorCode.INVALID_NUMBER: InvalidNumber,
    ErrorCode.NOT_CONFIGURED: NotConfigured,
    ErrorCode.INVALID_CONFIG: ConfigError,
    ErrorCode.TIMEOUT: LookupTimeout,
    ErrorCode.CONNECT: ConnectError,
    ErrorCode.TLS: TlsError,
    ErrorCode.HTTP_STATUS: HttpError,
    ErrorCode.UNAUTHORIZED: Unauthorized,
    ErrorCode.RATE_LIMITED: RateLimited,
    ErrorCode.MALFORMED_REPLY: MalformedReply,
    ErrorCode.BODY_TOO_LARGE: BodyTooLarge,
    ErrorCode.INTERNAL: InternalError,
    ErrorCode.INVALID_ARGUMENT: InvalidArgument,
    ErrorCode.INVALID_UTF8: InvalidUtf8,
    ErrorCode.PANIC: PanicError,
    ErrorCode.CIRCUIT_OPEN: CircuitOpen,
    ErrorCode.UNKNOWN_LOCALE: UnknownLocale,
    ErrorCode.BUSY: Busy,
    ErrorCode.NO_REPLY: NoReply,
}


def error_class(code: int) -> Type[CbError]:
    """The exception class for a ``CB_E_*`` code (:class:`CbError` for unknown codes)."""
    return _BY_CODE.get(int(code), CbError)
