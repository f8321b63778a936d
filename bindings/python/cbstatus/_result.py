"""``Result``: the outcome of one lookup (wraps and owns a ``cb_result``)."""

from __future__ import annotations

import ctypes
import enum
import json
import logging
import time
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple, Union

from ._errors import CbError, ErrorCode
from ._handle import Handle
from ._lib import Library, encode_arg, record_last_error

__all__ = ["Result", "Format", "Action", "CancelOutcome", "RegisterOutcome"]

log = logging.getLogger("cbstatus")


class Format(enum.IntEnum):
    """Rendering formats (``CB_FORMAT_*``)."""

    TEXT = 0  #: plain text for a TTS engine
    SSML = 1  #: an SSML ``<speak>`` document
    PROMPTS = 2  #: an ``&``-joined Asterisk ``Playback()`` list of sound files
    JSON = 3  #: a JSON object with every field and all three renderings


class Action(enum.IntEnum):
    """What a result answers (``CB_ACTION_*``; needs a library with cancel/widget support)."""

    STATUS = 0
    CANCEL = 1
    WIDGET = 2
    REGISTER = 3


class CancelOutcome(enum.IntEnum):
    """Outcome of :meth:`cbstatus.Client.cancel` (``CB_CANCEL_*``)."""

    NONE = 0
    CANCELED = 1
    NOT_FOUND = 2
    TOO_MANY = 3
    FAILED = 4


class RegisterOutcome(enum.IntEnum):
    """Outcome of :meth:`cbstatus.Client.register` (``CB_REGISTER_*``); 0: no answer."""

    NONE = 0
    REQUESTED = 1
    DUPLICATE = 2
    REFUSED = 3
    INVALID_CONTACT = 4
    INVALID_TIME = 5
    FAILED = 6


_FORMATS = {"text": Format.TEXT, "ssml": Format.SSML, "prompts": Format.PROMPTS, "json": Format.JSON}


def _format_code(fmt: Union[str, int]) -> int:
    if isinstance(fmt, bool):
        raise TypeError("fmt must be 'text', 'ssml', 'prompts', 'json' or a Format")
    if isinstance(fmt, str):
        try:
            return int(_FORMATS[fmt.lower()])
        except KeyError:
            raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(_FORMATS)}") from None
    if isinstance(fmt, int):
        return int(fmt)  # out-of-range codes are reported by the library (InvalidArgument)
    raise TypeError(f"fmt must be a str or Format, not {type(fmt).__name__}")


def _text(raw: Optional[bytes]) -> Optional[str]:
    """A lent ``const char *`` as str; "" (absent) becomes None."""
    if not raw:
        return None
    return raw.decode("utf-8", "replace")


def _opt_int(value: int) -> Optional[int]:
    return None if value < 0 else int(value)


class Result(Handle, kind="Result", free="cb_result_free"):
    """The outcome of one lookup; owns its ``cb_result`` handle.

    Fields are read once, when the result is made, so they stay readable after :meth:`close`;
    renderings need the handle (the default-locale ``text``/``ssml``/``prompts`` are cached once
    read). A failed lookup is still a result: ``error`` is set and ``text`` is the fallback
    sentence, so an IVR always has something to say.

    Attributes:
        found: at least one callback exists for the number.
        count: how many callbacks exist (0 when not found or failed).
        number: the E.164 number looked up, or None when the input was not a valid number.
        status: status of the soonest callback, lower case ("waitlisted", "scheduled", ...).
            Always a word of ``[a-z0-9_]{1,32}``: an unknown API value is that word or "other".
        type: type of the soonest callback ("asap", "scheduled", ...; a safe word as status).
        position: waitlist position (1 = next), or None.
        wait_seconds: expected wait in seconds, or None.
        estimated_for: when the callback is expected (UTC-aware datetime), or None.
        error: the failure as a :class:`~cbstatus.CbError` (not raised), or None.

    Results are immutable and may be read from any thread. Use ``with`` or :meth:`close` to
    release the handle promptly (fields and cached renderings stay readable); garbage
    collection releases it otherwise.
    """

    found: bool
    count: int
    number: Optional[str]
    status: Optional[str]
    type: Optional[str]
    position: Optional[int]
    wait_seconds: Optional[int]
    estimated_for: Optional[datetime]
    error: Optional[CbError]

    def __init__(self, library: Library, handle: Any) -> None:
        """Take ownership of ``handle`` (a non-NULL ``cb_result *``). Internal: use Client.lookup()."""
        if not handle:
            raise ValueError("NULL cb_result")
        self._begin()
        self.library = library
        self._handle = handle
        self._cache: Dict[int, str] = {}
        lib = library
        code = int(lib.cb_result_error(handle))
        message = _text(lib.cb_result_error_message(handle)) or ""
        self.found = bool(lib.cb_result_found(handle))
        self.count = int(lib.cb_result_count(handle))
        self.number = _text(lib.cb_result_number(handle))
        self.status = _text(lib.cb_result_status(handle))
        self.type = _text(lib.cb_result_type(handle))
        self.position = _opt_int(lib.cb_result_position(handle))
        self.wait_seconds = _opt_int(lib.cb_result_wait_seconds(handle))
        at = int(lib.cb_result_estimated_for(handle))
        self.estimated_for = None if at < 0 else datetime.fromtimestamp(at, tz=timezone.utc)
        #: What the result answers (:class:`Action`); None with a library without that function.
        self.action: Optional[Action] = None
        #: Cancel outcome (:class:`CancelOutcome`) for cancel results, else None.
        self.cancel_outcome: Optional[CancelOutcome] = None
        #: Widget state ("offer_callback", "platform_unavailable", ...) for widget results
        #: (a word of ``[a-z0-9_]{1,32}``, "other" for anything else the API sends).
        self.widget_state: Optional[str] = None
        #: Widget: whether callbacks can be requested now.
        self.callbacks_available: Optional[bool] = None
        #: Widget: ASAP callbacks offered.
        self.offer_asap: Optional[bool] = None
        #: Widget: scheduled callbacks offered.
        self.offer_scheduled: Optional[bool] = None
        #: Widget: estimated wait in seconds, or None.
        self.ewt_seconds: Optional[int] = None
        #: Widget: the offered time slots as Unix seconds (sorted; may include past ones).
        self.timeslots: List[int] = []
        #: Register: "requested", "duplicate", "refused", "invalid_contact", "invalid_time",
        #: "failed", or None when the request got no answer (never mistake that for success).
        self.register_outcome: Optional[str] = None
        #: Register: the callback request id Mindful gave (safe characters only), or None.
        self.callback_id: Optional[str] = None
        if lib.has("cb_result_action"):
            raw = int(lib.cb_result_action(handle))
            try:
                self.action = Action(raw)
            except ValueError:
                self.action = None
            if self.action is Action.CANCEL and lib.has("cb_result_cancel_outcome"):
                outcome = int(lib.cb_result_cancel_outcome(handle))
                try:
                    self.cancel_outcome = CancelOutcome(outcome)
                except ValueError:
                    self.cancel_outcome = None
            if self.action is Action.WIDGET:
                if lib.has("cb_result_widget_state"):
                    self.widget_state = _text(lib.cb_result_widget_state(handle))
                if lib.has("cb_result_callbacks_available"):
                    self.callbacks_available = bool(lib.cb_result_callbacks_available(handle))
                if lib.has("cb_result_offer_asap"):
                    self.offer_asap = bool(lib.cb_result_offer_asap(handle))
                if lib.has("cb_result_offer_scheduled"):
                    self.offer_scheduled = bool(lib.cb_result_offer_scheduled(handle))
                if lib.has("cb_result_ewt_seconds"):
                    self.ewt_seconds = _opt_int(lib.cb_result_ewt_seconds(handle))
                if lib.has("cb_result_timeslot_count"):
                    n = int(lib.cb_result_timeslot_count(handle))
                    self.timeslots = [int(lib.cb_result_timeslot(handle, i)) for i in range(n)]
            if self.action is Action.REGISTER and lib.has("cb_result_register_outcome"):
                raw_outcome = int(lib.cb_result_register_outcome(handle))
                try:
                    outcome_enum = RegisterOutcome(raw_outcome)
                except ValueError:
                    outcome_enum = RegisterOutcome.NONE
                if outcome_enum is not RegisterOutcome.NONE:
                    self.register_outcome = outcome_enum.name.lower()
                self.callback_id = _text(lib.cb_result_callback_id(handle))
        self.error = None if code == 0 else lib.error(code, message)

    # -- the callback journey --------------------------------------------------------------

    def menu(self, now: Optional[float] = None) -> List[Optional[int]]:
        """The choices of the offer's menu, key 1 first: ``None`` for a callback as soon as
        possible, else a time slot (Unix seconds). ASAP first when offered (and callbacks are
        available), then the slots still ahead of ``now``; at most 9. Empty for other results."""
        if self.action is not Action.WIDGET or not self.callbacks_available:
            return []
        now = time.time() if now is None else now
        # As the library decides: the offer_asap/offer_scheduled_callback states override
        # the flags.
        asap, scheduled = bool(self.offer_asap), bool(self.offer_scheduled)
        if self.widget_state == "offer_asap_callback":
            asap, scheduled = True, False
        elif self.widget_state == "offer_scheduled_callback":
            asap, scheduled = False, True
        choices: List[Optional[int]] = [None] if asap else []
        if scheduled:
            choices.extend(t for t in self.timeslots if t > now)
        return choices[:9]

    def menu_choice(self, key: Union[str, int], now: Optional[float] = None) -> Tuple[bool, Optional[int]]:
        """What menu key ``key`` chooses: ``(True, None)`` ASAP, ``(True, unix)`` a time slot,
        ``(False, None)`` not a key of this menu."""
        try:
            index = int(str(key).strip()) - 1
        except ValueError:
            return (False, None)
        choices = self.menu(now)
        if not 0 <= index < len(choices):
            return (False, None)
        return (True, choices[index])

    # -- state ---------------------------------------------------------------------------

    @property
    def ok(self) -> bool:
        """True when the lookup answered (found or not found)."""
        return self.error is None

    @property
    def outcome(self) -> str:
        """``"found"``, ``"not_found"`` or ``"error"`` (the AGI ``CBSTATUS_RESULT`` in lower case);
        for a registration its ``register_outcome`` ("requested", "duplicate", ...)."""
        if self.error is not None:
            return "error"
        if self.action is Action.REGISTER:
            return self.register_outcome or "error"
        return "found" if self.found else "not_found"

    # -- rendering -----------------------------------------------------------------------

    def render(self, fmt: Union[str, int] = "text", locale: Optional[str] = None, *, strict: bool = False) -> str:
        """Render as ``"text"``, ``"ssml"``, ``"prompts"`` or ``"json"`` (or a :class:`Format`).

        ``locale`` ("en-US", "es-US", "fr-CA", ...) defaults to the client's locale. An unknown locale
        renders in English and logs a warning; with ``strict=True`` it raises
        :class:`~cbstatus.UnknownLocale` instead.

        Raises:
            ValueError: unknown format name, closed result, NUL or unencodable locale.
            TypeError: non-str locale.
            InvalidArgument: a format code the library does not know.
        """
        code_fmt = _format_code(fmt)
        loc = encode_arg(locale, "locale", allow_none=True)
        if loc is None and code_fmt in self._cache:
            return self._cache[code_fmt]
        lib = self.library
        out = ctypes.c_void_p()
        with self._lock:
            code = int(lib.cb_result_render(self._ptr(), code_fmt, loc, ctypes.byref(out)))
        exc = lib.error(code) if code != 0 else None  # read the message before any other call
        text = lib.take_string(out.value) if out.value else None
        record_last_error(code, exc.message if exc else "")
        if exc is not None:
            if exc.code != ErrorCode.UNKNOWN_LOCALE or text is None or strict:
                raise exc
            log.warning("cbstatus: %s; rendered in English", exc.message)
        assert text is not None
        if loc is None:
            self._cache[code_fmt] = text
        return text

    def playlist(self, sound_dir: str, locale: Optional[str] = None) -> str:
        """The prompts as a FreeSWITCH ``file_string://`` playlist for ``playback``, over the
        sounds ``cbstatus prompts generate --layout freeswitch --dir <sound_dir>`` writes
        (``<sound_dir>/<lang>/<name>.wav``); "" when there is nothing to play.

        ``locale`` defaults to the client's locale; an unknown one plays English (logged).

        Raises:
            InvalidArgument: ``sound_dir`` is not absolute or holds spaces, quotes, ``!``,
                ``$`` or control characters.
            ValueError: closed result, NUL in an argument.
        """
        loc = encode_arg(locale, "locale", allow_none=True)
        directory = encode_arg(sound_dir, "sound_dir")
        lib = self.library
        out = ctypes.c_void_p()
        with self._lock:
            code = int(lib.cb_result_playlist(self._ptr(), loc, directory, ctypes.byref(out)))
        exc = lib.error(code) if code != 0 else None
        text = lib.take_string(out.value) if out.value else None
        record_last_error(code, exc.message if exc else "")
        if exc is not None:
            if exc.code != ErrorCode.UNKNOWN_LOCALE or text is None:
                raise exc
            log.warning("cbstatus: %s; playing English", exc.message)
        return text or ""

    def variables(self, language: Optional[str] = None) -> Dict[str, str]:
        """The ``CBSTATUS_*`` channel variables of this result, as the library makes them
        (``cb_result_variables()``): the names of this action, in the order to set them
        (``CBSTATUS_RESULT`` last), with their values ("" when unknown).

        ``language`` is the channel's language as the PBX has it (``en``, ``es``, ``es_MX``,
        ``en-US``, ``fr``, anything; None: none). The library picks the locale: a locale's
        tag or another language with a locale (``es``, ``es_MX``: es-US; ``fr``, ``fr_CA``:
        fr-CA) picks it; ``en``,
        a language without a locale, garbage or None keep the client's locale. Never raises
        for the language.

        Raises:
            ValueError: closed result.
            MemoryError: the library returned nothing.
        """
        return dict(self._variables(language)[1])

    def variables_locale(self, language: Optional[str] = None) -> str:
        """The locale :meth:`variables` speaks for ``language`` (e.g. "es-US")."""
        return self._variables(language)[0]

    def _variables(self, language: Optional[str]) -> Tuple[str, List[Tuple[str, str]]]:
        # Any text goes to the library as it is; only a NUL (which C cannot carry) ends it.
        raw = None if language is None else str(language).encode("utf-8", "replace").split(b"\0")[0]
        lib = self.library
        with self._lock:
            handle = lib.cb_result_variables(self._ptr(), raw)
            if not handle:
                raise MemoryError("cb_result_variables returned NULL")
            try:
                locale = (lib.cb_variables_locale(handle) or b"").decode("utf-8", "replace")
                pairs = [
                    (
                        (lib.cb_variables_name(handle, i) or b"").decode("ascii"),
                        (lib.cb_variables_value(handle, i) or b"").decode("utf-8", "replace"),
                    )
                    for i in range(int(lib.cb_variables_count(handle)))
                ]
            finally:
                lib.cb_variables_free(handle)
        record_last_error(0)
        return locale, pairs

    @property
    def text(self) -> str:
        """Plain text to speak (the fallback sentence after a failure)."""
        return self.render(Format.TEXT)

    @property
    def ssml(self) -> str:
        """An SSML ``<speak>`` document."""
        return self.render(Format.SSML)

    @property
    def prompts(self) -> str:
        """An ``&``-joined Asterisk ``Playback()`` list of sound file names."""
        return self.render(Format.PROMPTS)

    @property
    def prompt_names(self) -> List[str]:
        """:attr:`prompts` split into individual sound file names."""
        return [p for p in self.prompts.split("&") if p]

    def to_dict(self, locale: Optional[str] = None) -> Dict[str, Any]:
        """The JSON rendering parsed: every field, the error and all three renderings."""
        data: Dict[str, Any] = json.loads(self.render(Format.JSON, locale))
        return data

    def _describe(self) -> str:
        parts = [self.outcome]
        if self.number:
            parts.append(f"number={self.number!r}")
        if self.status:
            parts.append(f"status={self.status!r}")
        if self.position is not None:
            parts.append(f"position={self.position}")
        if self.wait_seconds is not None:
            parts.append(f"wait_seconds={self.wait_seconds}")
        if self.error is not None:
            parts.append(f"error={self.error.name!r}")
        return " " + " ".join(parts)
