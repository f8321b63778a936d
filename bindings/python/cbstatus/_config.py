"""``Config``: settings for a :class:`~cbstatus.Client` (wraps ``cb_config``)."""

from __future__ import annotations

import ctypes
from typing import Any, Iterator, Optional, Sequence, Tuple, Union

from ._handle import Handle
from ._lib import Library, PathLike, cb_config_p, encode_arg, encode_path, get_library

__all__ = ["Config", "SETTINGS"]

class _Settings(Sequence[str]):
    """The setting names ``cb_config_set`` accepts, as the default library lists them
    (``cb_config_keys``): read on first use, so importing the package never needs the library.
    A tuple-like sequence; ``Library.config_keys()`` gives another library's list."""

    def _keys(self) -> Tuple[str, ...]:
        return get_library().config_keys()

    def __getitem__(self, index: Any) -> Any:
        return self._keys()[index]

    def __len__(self) -> int:
        return len(self._keys())

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __contains__(self, name: object) -> bool:
        return name in self._keys()

    def __eq__(self, other: object) -> bool:
        return tuple(self) == (tuple(other) if isinstance(other, (tuple, list, _Settings)) else other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._keys())


#: Setting names ``cb_config_set`` accepts (the ``CBSTATUS_*`` spelling works too), read from
#: the library when first used.
SETTINGS: Sequence[str] = _Settings()


def _setting_text(key: str, value: Any) -> str:
    """Turn a Python value into the text form ``cb_config_set`` takes."""
    if value is None:
        return ""  # "" restores the default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        # A list-valued setting (number_format=["e164", "national"]): the names joined by
        # commas, the text form the library reads; an item holding a comma would read as two.
        if not value or not all(isinstance(v, str) and "," not in v for v in value):
            raise ValueError(
                f"setting {key!r} as a list must hold one or more names without commas, "
                f"e.g. ['e164', 'national'], not {value!r}"
            )
        return ",".join(value)
    raise TypeError(
        f"setting {key!r} must be str, int, bool, a list of str or None, not {type(value).__name__}"
    )


class Config(Handle, kind="Config", free="cb_config_free"):
    """Settings for a client, wrapping a ``cb_config`` handle.

    ``Config()`` starts from the built-in defaults (no API URL); :meth:`from_env` starts from
    ``$CBSTATUS_CONFIG`` and the ``CBSTATUS_*`` environment variables. Keyword arguments are
    applied with :meth:`set`, e.g. ``Config(api_url="https://...", timeout_ms=1500)``.

    A Config belongs to one thread at a time. :class:`~cbstatus.Client` copies it, so it may be
    closed (or reused for another client) afterwards: :meth:`close` (or the end of a ``with``
    block) releases the handle and does not affect clients made from it. Invalid settings
    raise :class:`~cbstatus.ConfigError` (``NotConfigured`` for an empty ``api_url``).
    """

    def __init__(self, *, library: Union[None, PathLike, Library] = None, **settings: Any) -> None:
        """Create default settings, then apply ``settings`` (name=value)."""
        self._init(library, "cb_config_new")
        self.update(**settings)

    @classmethod
    def from_env(cls, *, library: Union[None, PathLike, Library] = None, **settings: Any) -> "Config":
        """Settings from ``$CBSTATUS_CONFIG`` (a TOML file) and ``CBSTATUS_*`` variables, then ``settings``.

        Raises:
            ConfigError: an environment variable or the file holds an invalid value.
        """
        self = cls.__new__(cls)
        self._init(library, "cb_config_from_env")
        self.update(**settings)
        return self

    def _init(self, library: Union[None, PathLike, Library], constructor: str) -> None:
        self._begin()
        self.library = get_library(library)
        out = cb_config_p()
        code = getattr(self.library, constructor)(ctypes.byref(out))
        self.library.check(code)
        self._handle = out

    def set(self, key: str, value: Any) -> "Config":
        """Set one setting (``api_url``, ``timeout_ms``, ``locale``, ... see :data:`SETTINGS`).

        ``value`` may be str, int, bool, a list of str (a list-valued setting such as
        ``number_format=["e164", "national"]``, the same as ``"e164,national"``) or None
        (None/"" restores the default; for ``auth_scheme`` it means the bare token).
        Returns ``self`` so calls can be chained. On error the setting keeps its old value.

        Raises:
            TypeError/ValueError: a non-str key, a NUL character, unencodable text.
            ConfigError: unknown key or invalid value. UnknownLocale: an unknown ``locale``
                (English was applied).
        """
        k = encode_arg(key, "setting name")
        v = encode_arg(_setting_text(key, value), f"value of {key!r}")
        with self._lock:
            code = self.library.cb_config_set(self._ptr(), k, v)
            self.library.check(code)
        return self

    def update(self, **settings: Any) -> "Config":
        """Apply several settings with :meth:`set`, in the order given. Returns ``self``."""
        for key, value in settings.items():
            self.set(key, value)
        return self

    def load_file(self, path: Union[str, bytes, "PathLike"]) -> "Config":
        """Apply a TOML settings file (same keys, plus ``[templates.<locale>]`` tables).

        Settings applied before an error in the file stay applied. Returns ``self``.

        Raises:
            ConfigError: unreadable file, bad TOML or unknown key (the message says which).
        """
        p = encode_path(path)
        with self._lock:
            code = self.library.cb_config_load_file(self._ptr(), p)
            self.library.check(code)
        return self
