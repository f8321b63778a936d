"""Finding and loading ``libcbstatus.so`` and declaring every C prototype of ``cbstatus.h``.

Every function of the header gets ``argtypes`` and ``restype``. Functions returning an *owned*
``char *`` are declared ``restype = c_void_p`` (a ``c_char_p`` restype would copy the text and
leak the allocation); :meth:`Library.take_string` copies it with ``string_at`` and releases it
with ``cb_string_free`` in a ``finally``. ``const char *`` results are lent or static, so
``c_char_p`` (a copy, nothing to free) is right for them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
from ctypes import POINTER, c_bool, c_char_p, c_int32, c_int64, c_size_t, c_uint32, c_void_p
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Tuple, Union

from ._errors import CbError, IncompatibleLibrary, LibraryNotFound, error_class
from ._fork import at_fork_in_child

__all__ = [
    "EXPECTED_MAJOR",
    "LIBRARY_ENV",
    "Library",
    "load_library",
    "get_library",
    "cb_config",
    "cb_client",
    "cb_result",
    "cb_variables",
    "cb_log_fn",
    "PROTOTYPES",
    "OPTIONAL_FUNCTIONS",
]

log = logging.getLogger("cbstatus")

#: The library major version this package is written against (``CB_VERSION_MAJOR``).
EXPECTED_MAJOR = 0
#: Environment variable naming the library file to load.
LIBRARY_ENV = "CBSTATUS_LIBRARY"

_LIB_FILE = "libcbstatus.so"
_SONAME = "libcbstatus.so.0"


class cb_config(ctypes.Structure):
    """Opaque ``cb_config`` (settings; one thread at a time)."""


class cb_client(ctypes.Structure):
    """Opaque ``cb_client`` (thread-safe)."""


class cb_result(ctypes.Structure):
    """Opaque ``cb_result`` (immutable, readable from any thread)."""


class cb_variables(ctypes.Structure):
    """Opaque ``cb_variables`` (a result's channel variables; immutable)."""


#: ``typedef void (*cb_log_fn)(int32_t level, const char *message, void *userdata);``
cb_log_fn = ctypes.CFUNCTYPE(None, c_int32, c_char_p, c_void_p)

cb_config_p = POINTER(cb_config)
cb_client_p = POINTER(cb_client)
cb_result_p = POINTER(cb_result)
cb_variables_p = POINTER(cb_variables)

#: name -> (restype, argtypes). Keep in header order; a test compares this table with the
#: header, so a function added to cbstatus.h without a prototype here fails the suite.
PROTOTYPES: Dict[str, Tuple[Any, Tuple[Any, ...]]] = {
    "cb_status_str": (c_char_p, (c_int32,)),  # static
    "cb_status_name": (c_char_p, (c_int32,)),  # static
    "cb_version": (c_char_p, ()),  # static
    "cb_version_number": (c_uint32, ()),
    "cb_last_error_code": (c_int32, ()),
    "cb_last_error_message": (c_size_t, (c_char_p, c_size_t)),
    "cb_status_lookup": (c_void_p, (c_char_p,)),  # owned char *
    "cb_string_free": (None, (c_void_p,)),
    "cb_shutdown": (None, ()),
    "cb_set_log_callback": (c_int32, (cb_log_fn, c_int32, c_void_p)),
    "cb_config_new": (c_int32, (POINTER(cb_config_p),)),
    "cb_config_from_env": (c_int32, (POINTER(cb_config_p),)),
    "cb_config_keys": (POINTER(c_char_p), ()),  # static NULL-terminated list
    "cb_config_set": (c_int32, (cb_config_p, c_char_p, c_char_p)),
    "cb_config_load_file": (c_int32, (cb_config_p, c_char_p)),
    "cb_config_free": (None, (cb_config_p,)),
    "cb_client_new": (c_int32, (cb_config_p, POINTER(cb_client_p))),
    "cb_client_lookup": (c_int32, (cb_client_p, c_char_p, POINTER(cb_result_p))),
    "cb_client_free": (None, (cb_client_p,)),
    "cb_result_error": (c_int32, (cb_result_p,)),
    "cb_result_error_message": (c_char_p, (cb_result_p,)),  # lent
    "cb_result_found": (c_bool, (cb_result_p,)),
    "cb_result_count": (c_uint32, (cb_result_p,)),
    "cb_result_number": (c_char_p, (cb_result_p,)),  # lent
    "cb_result_status": (c_char_p, (cb_result_p,)),  # lent
    "cb_result_type": (c_char_p, (cb_result_p,)),  # lent
    "cb_result_position": (c_int64, (cb_result_p,)),
    "cb_result_wait_seconds": (c_int64, (cb_result_p,)),
    "cb_result_estimated_for": (c_int64, (cb_result_p,)),
    "cb_result_render": (c_int32, (cb_result_p, c_int32, c_char_p, POINTER(c_void_p))),  # owned out
    "cb_result_free": (None, (cb_result_p,)),
    # Planned (cancel / widget status): bound when the loaded library exports them.
    "cb_client_cancel": (c_int32, (cb_client_p, c_char_p, POINTER(cb_result_p))),
    "cb_client_widget_status": (c_int32, (cb_client_p, c_char_p, POINTER(cb_result_p))),
    "cb_client_stats_json": (c_int32, (cb_client_p, POINTER(c_void_p))),  # owned out
    "cb_client_prefetch": (c_int32, (cb_client_p, c_char_p)),
    "cb_client_warm": (c_int32, (cb_client_p,)),
    "cb_result_action": (c_int32, (cb_result_p,)),
    "cb_result_cancel_outcome": (c_int32, (cb_result_p,)),
    "cb_result_widget_state": (c_char_p, (cb_result_p,)),  # lent
    "cb_result_callbacks_available": (c_bool, (cb_result_p,)),
    "cb_result_offer_asap": (c_bool, (cb_result_p,)),
    "cb_result_offer_scheduled": (c_bool, (cb_result_p,)),
    "cb_result_ewt_seconds": (c_int64, (cb_result_p,)),
    # The callback journey (register, time slots).
    "cb_client_register": (c_int32, (cb_client_p, c_char_p, c_char_p, c_int64, POINTER(cb_result_p))),
    "cb_client_offer": (c_int32, (cb_client_p, c_char_p, POINTER(cb_result_p))),
    "cb_result_register_outcome": (c_int32, (cb_result_p,)),
    "cb_result_callback_id": (c_char_p, (cb_result_p,)),  # lent
    "cb_result_timeslot_count": (c_uint32, (cb_result_p,)),
    "cb_result_timeslot": (c_int64, (cb_result_p, c_uint32)),
    # FreeSWITCH file_string:// playlist (owned out).
    "cb_result_playlist": (c_int32, (cb_result_p, c_char_p, c_char_p, POINTER(c_void_p))),
    # The CBSTATUS_* channel variables: the library's list, in its order.
    "cb_result_variables": (cb_variables_p, (cb_result_p, c_char_p)),
    "cb_variables_count": (c_size_t, (cb_variables_p,)),
    "cb_variables_name": (c_char_p, (cb_variables_p, c_size_t)),  # static
    "cb_variables_value": (c_char_p, (cb_variables_p, c_size_t)),  # lent
    "cb_variables_locale": (c_char_p, (cb_variables_p,)),  # lent
    "cb_variables_free": (None, (cb_variables_p,)),
    "cb_result_variable": (c_int32, (cb_result_p, c_char_p, c_char_p, POINTER(c_void_p))),  # owned out
    "cb_failed_variables": (cb_variables_p, (c_int32, c_int32, c_char_p)),
    # Only in builds with the `test-panic` feature.
    "cb_test_panic": (c_int32, ()),
}

#: Functions the package uses when present but does not require.
OPTIONAL_FUNCTIONS = frozenset(
    {
        "cb_client_cancel",
        "cb_client_widget_status",
        "cb_client_stats_json",
        "cb_client_prefetch",
        "cb_client_warm",
        "cb_result_action",
        "cb_result_cancel_outcome",
        "cb_result_widget_state",
        "cb_result_callbacks_available",
        "cb_result_offer_asap",
        "cb_result_offer_scheduled",
        "cb_result_ewt_seconds",
        "cb_client_register",
        "cb_client_offer",
        "cb_result_register_outcome",
        "cb_result_callback_id",
        "cb_result_timeslot_count",
        "cb_result_timeslot",
        "cb_result_playlist",
        "cb_test_panic",
    }
)

PathLike = Union[str, "os.PathLike[str]"]


class _ThreadState(threading.local):
    code: int = 0
    message: str = ""


_thread_state = _ThreadState()


def record_last_error(code: int, message: str = "") -> None:
    """Remember the outcome of the calling thread's latest call (see :func:`cbstatus.last_error`)."""
    _thread_state.code = int(code)
    _thread_state.message = message if code else ""


def recorded_last_error() -> Tuple[int, str]:
    """The ``(code, message)`` recorded by the calling thread's latest call into the library."""
    return _thread_state.code, _thread_state.message


class Library:
    """A loaded ``libcbstatus.so`` with every prototype declared.

    The raw functions are attributes (``lib.cb_version()`` ...); the helpers below wrap the
    conventions (owned strings, last error). Use :func:`load_library` rather than the
    constructor, which skips the search.
    """

    def __init__(self, path: str, cdll: Optional[ctypes.CDLL] = None) -> None:
        self.path: str = path
        self.cdll: ctypes.CDLL = cdll if cdll is not None else ctypes.CDLL(path)
        self._config_keys: Optional[Tuple[str, ...]] = None
        missing: List[str] = []
        self.available: FrozenSet[str] = frozenset()
        available = set()
        for name, (restype, argtypes) in PROTOTYPES.items():
            try:
                fn = getattr(self.cdll, name)
            except AttributeError:
                if name not in OPTIONAL_FUNCTIONS:
                    missing.append(name)
                continue
            fn.restype = restype
            fn.argtypes = list(argtypes)
            setattr(self, name, fn)
            available.add(name)
        self.available = frozenset(available)
        if missing:
            raise IncompatibleLibrary(
                f"{path} is missing cbstatus functions: {', '.join(missing)} "
                f"(this package needs libcbstatus {EXPECTED_MAJOR}.x)"
            )
        number = int(self.cb_version_number())
        self.version: str = (self.cb_version() or b"").decode("utf-8", "replace")
        self.version_number: int = number
        if number // 10000 != EXPECTED_MAJOR:
            raise IncompatibleLibrary(
                f"{path} is libcbstatus {self.version or number}; this package supports major "
                f"version {EXPECTED_MAJOR} only"
            )

    def __repr__(self) -> str:
        return f"<cbstatus.Library {self.version} at {self.path!r}>"

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes not set in __init__: a C function the library lacks.
        if name.startswith("cb_"):
            raise AttributeError(f"libcbstatus at {self.__dict__.get('path')} does not export {name}")
        raise AttributeError(name)

    def config_keys(self) -> Tuple[str, ...]:
        """Every setting name ``cb_config_set`` accepts, in the library's order (``cb_config_keys``)."""
        keys = self._config_keys
        if keys is None:
            names = self.cb_config_keys()
            found = []
            i = 0
            while names[i] is not None:  # the list ends with NULL
                found.append(names[i].decode("ascii"))
                i += 1
            keys = self._config_keys = tuple(found)
        return keys

    def has(self, name: str) -> bool:
        """True when the loaded library exports ``name`` (for optional functions)."""
        return name in self.available

    # -- conventions ---------------------------------------------------------------------

    def take_string(self, ptr: Optional[int]) -> str:
        """Copy an owned ``char *`` into a ``str`` and release it with ``cb_string_free``."""
        if not ptr:
            raise MemoryError("libcbstatus returned NULL (out of memory)")
        try:
            return ctypes.string_at(ptr).decode("utf-8", "replace")
        finally:
            self.cb_string_free(ptr)

    def last_error_message(self) -> str:
        """The calling thread's last error message from the library (read it right after the call)."""
        size = int(self.cb_last_error_message(None, 0))
        if size == 0:
            return ""
        buf = ctypes.create_string_buffer(size + 1)
        self.cb_last_error_message(buf, size + 1)
        return buf.value.decode("utf-8", "replace")

    def status_name(self, code: int) -> str:
        """The library's short name of a code (``"timeout"``, ``"ok"``, ``"unknown"``)."""
        return (self.cb_status_name(int(code)) or b"unknown").decode("utf-8", "replace")

    def status_str(self, code: int) -> str:
        """The library's static English description of a code."""
        return (self.cb_status_str(int(code)) or b"").decode("utf-8", "replace")

    def error(self, code: int, message: Optional[str] = None) -> CbError:
        """Build the exception for ``code``; ``message`` defaults to the thread's last error message."""
        if message is None:
            message = self.last_error_message()
        if not message:
            message = self.status_str(code)
        return error_class(code)(int(code), self.status_name(code), message)

    def check(self, code: int) -> None:
        """Record ``code`` as the thread's last error and raise its exception unless ``CB_OK``."""
        if code == 0:
            record_last_error(0)
            return
        exc = self.error(code)
        record_last_error(code, exc.message)
        raise exc


_lock = threading.Lock()


def _renew_lock() -> None:
    global _lock
    _lock = threading.Lock()


at_fork_in_child(_renew_lock)
_default: Optional[Library] = None
_loaded: Dict[str, Library] = {}


def _package_dir() -> str:
    return os.path.dirname(os.path.abspath(__file__))


def _open(candidate: str, searched: List[str]) -> Optional[Library]:
    """Try one candidate (a path or a loader name); ``None`` if dlopen fails."""
    key = os.path.realpath(candidate) if os.sep in candidate else candidate
    if key in _loaded:
        return _loaded[key]
    if os.sep in candidate and not os.path.exists(candidate):
        searched.append(f"{candidate}: no such file")
        return None
    try:
        cdll = ctypes.CDLL(candidate)
    except OSError as e:
        searched.append(f"{candidate}: {e}")
        return None
    lib = Library(candidate, cdll)  # IncompatibleLibrary propagates: a wrong library is not "not found"
    _loaded[key] = lib
    return lib


def _explicit(path: PathLike, searched: List[str], origin: str) -> Library:
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, _LIB_FILE)
    lib = _open(path, searched)
    if lib is None:
        raise LibraryNotFound(
            f"cannot load libcbstatus from {origin} {path!r}; tried:\n  " + "\n  ".join(searched),
            searched,
        )
    return lib


def _search(searched: List[str]) -> Library:
    env = os.environ.get(LIBRARY_ENV)
    if env:
        return _explicit(env, searched, f"${LIBRARY_ENV} =")
    searched.append(f"${LIBRARY_ENV}: not set")
    for candidate in (os.path.join(_package_dir(), _LIB_FILE), os.path.join(_package_dir(), _SONAME)):
        lib = _open(candidate, searched)
        if lib is not None:
            return lib
    found = ctypes.util.find_library("cbstatus")
    if found:
        lib = _open(found, searched)
        if lib is not None:
            return lib
    else:
        searched.append('ctypes.util.find_library("cbstatus"): nothing found')
    for name in (_SONAME, _LIB_FILE):
        lib = _open(name, searched)
        if lib is not None:
            return lib
    raise LibraryNotFound(
        "cannot find libcbstatus.so; pass its path to cbstatus.load_library(path) or "
        f"Client(library=path), set ${LIBRARY_ENV}, copy it next to the cbstatus package, or "
        "install it where the system loader finds it (ldconfig). Tried:\n  " + "\n  ".join(searched),
        searched,
    )


def load_library(path: Optional[PathLike] = None) -> Library:
    """Load libcbstatus and make it the default for the module-level functions.

    With ``path`` (a file, or a directory holding ``libcbstatus.so``) only that file is tried.
    Without it the search order is: ``$CBSTATUS_LIBRARY``, ``libcbstatus.so`` next to this
    package, ``ctypes.util.find_library("cbstatus")``, then the system loader with
    ``libcbstatus.so.0`` and ``libcbstatus.so``.

    Raises:
        LibraryNotFound: nothing loadable was found (the message lists every place tried).
        IncompatibleLibrary: a library was found but has another major version.
    """
    global _default
    with _lock:
        searched: List[str] = []
        lib = _explicit(path, searched, "path") if path is not None else _search(searched)
        _default = lib
        log.debug("loaded %r", lib)
        return lib


def get_library(library: Union[None, PathLike, Library] = None) -> Library:
    """Resolve a ``library=`` argument: a :class:`Library`, a path, or ``None`` for the default."""
    global _default
    if isinstance(library, Library):
        return library
    if library is not None:
        with _lock:
            return _explicit(library, [], "path")
    lib = _default
    if lib is not None:
        return lib
    with _lock:
        if _default is None:
            _default = _search([])
            log.debug("loaded %r", _default)
        return _default


def encode_arg(value: object, what: str, *, allow_none: bool = False) -> Optional[bytes]:
    """Encode a ``str`` argument as NUL-terminated UTF-8, rejecting what C cannot take.

    Raises TypeError for non-str values (``None`` too unless ``allow_none``) and ValueError for
    embedded NUL characters or text that is not encodable as UTF-8 (lone surrogates).
    """
    if value is None:
        if allow_none:
            return None
        raise TypeError(f"{what} must be a str, not None")
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if "\x00" in value:
        raise ValueError(f"{what} must not contain NUL characters")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(
            f"{what} is not valid Unicode text (lone surrogate at index {e.start})"
        ) from None


def encode_path(value: object, what: str = "path") -> bytes:
    """Encode a filesystem path (str, bytes or os.PathLike) for a ``const char *`` argument."""
    if value is None:
        raise TypeError(f"{what} must be a path, not None")
    try:
        raw = os.fspath(value)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"{what} must be str, bytes or os.PathLike, not {type(value).__name__}") from None
    if isinstance(raw, bytes):
        if b"\x00" in raw:
            raise ValueError(f"{what} must not contain NUL bytes")
        return raw
    return encode_arg(raw, what)  # type: ignore[return-value]


def check_functions(lib: Library, names: Sequence[str]) -> None:
    """Raise NotImplementedError unless ``lib`` exports every function in ``names``."""
    missing = [n for n in names if not lib.has(n)]
    if missing:
        raise NotImplementedError(
            f"libcbstatus {lib.version} at {lib.path} does not export {', '.join(missing)}; "
            "a newer library is needed"
        )
