"""Every C function through the raw prototypes: NULLs, bad UTF-8, bad formats, buffers."""

from __future__ import annotations

import ctypes

import pytest

from cbstatus import _lib

E_INVALID_ARGUMENT = 13
E_INVALID_UTF8 = 14


@pytest.fixture
def lib(cbstatus):
    return cbstatus.get_library()


@pytest.fixture
def raw_config(lib):
    cfg = _lib.cb_config_p()
    assert lib.cb_config_from_env(ctypes.byref(cfg)) == 0 and cfg
    yield cfg
    lib.cb_config_free(cfg)


@pytest.fixture
def raw_client(lib, raw_config):
    cl = _lib.cb_client_p()
    assert lib.cb_client_new(raw_config, ctypes.byref(cl)) == 0 and cl
    yield cl
    lib.cb_client_free(cl)


def lookup(lib, client, number):
    out = _lib.cb_result_p()
    code = lib.cb_client_lookup(client, number, ctypes.byref(out))
    return code, out


def test_versions_and_names(lib):
    assert lib.cb_version() == b"0.1.0"
    assert lib.cb_version_number() == 100
    assert lib.cb_status_name(4) == b"timeout"
    assert lib.cb_status_str(-5) == b"unknown status code"


def test_free_functions_accept_null(lib):
    lib.cb_string_free(None)
    lib.cb_config_free(None)
    lib.cb_client_free(None)
    lib.cb_result_free(None)
    lib.cb_shutdown()
    lib.cb_shutdown()


def test_config_nulls_and_bad_utf8(lib, raw_config):
    assert lib.cb_config_new(None) == E_INVALID_ARGUMENT
    assert lib.cb_last_error_code() == E_INVALID_ARGUMENT
    assert lib.cb_config_from_env(None) == E_INVALID_ARGUMENT
    assert lib.cb_config_set(None, b"timeout_ms", b"100") == E_INVALID_ARGUMENT
    assert lib.cb_config_set(raw_config, None, b"100") == E_INVALID_ARGUMENT
    assert lib.cb_config_set(raw_config, b"timeout_ms", None) == E_INVALID_ARGUMENT
    assert lib.cb_config_set(raw_config, b"timeout_ms", b"\xff") == E_INVALID_UTF8
    assert lib.cb_config_set(raw_config, b"\xc3\x28", b"1") == E_INVALID_UTF8
    assert lib.cb_config_set(raw_config, b"timeout_ms", b"1500") == 0
    assert lib.cb_last_error_code() == 0
    assert lib.cb_config_load_file(None, b"/x") == E_INVALID_ARGUMENT
    assert lib.cb_config_load_file(raw_config, None) == E_INVALID_ARGUMENT
    assert lib.cb_config_load_file(raw_config, b"/nonexistent.toml") == 3


def test_last_error_message_buffer_semantics(lib):
    assert lib.cb_config_new(None) == E_INVALID_ARGUMENT
    size = lib.cb_last_error_message(None, 0)
    assert size > 0
    full = ctypes.create_string_buffer(size + 1)
    assert lib.cb_last_error_message(full, size + 1) == size
    assert len(full.value) == size
    small = ctypes.create_string_buffer(b"\x01" * 8)
    assert lib.cb_last_error_message(small, 5) == size  # reports the full size
    assert small.raw[:5] == full.value[:4] + b"\x00"  # 4 bytes + NUL
    assert small.raw[5:8] == b"\x01\x01\x01"  # nothing written past len
    # Reading does not reset; the next call does.
    assert lib.cb_last_error_code() == E_INVALID_ARGUMENT
    lib.cb_version_number()
    assert lib.cb_last_error_code() == 0 and lib.cb_last_error_message(None, 0) == 0


def test_client_new_nulls_and_not_configured(lib, raw_config):
    out = _lib.cb_client_p()
    assert lib.cb_client_new(None, ctypes.byref(out)) == E_INVALID_ARGUMENT and not out
    assert lib.cb_client_new(raw_config, None) == E_INVALID_ARGUMENT
    empty = _lib.cb_config_p()
    assert lib.cb_config_new(ctypes.byref(empty)) == 0
    try:
        assert lib.cb_client_new(empty, ctypes.byref(out)) == 2 and not out
    finally:
        lib.cb_config_free(empty)


def test_lookup_nulls_and_bad_utf8(lib, raw_client):
    out = _lib.cb_result_p()
    assert lib.cb_client_lookup(None, b"+15551230001", ctypes.byref(out)) == E_INVALID_ARGUMENT and not out
    assert lib.cb_client_lookup(raw_client, b"+15551230001", None) == E_INVALID_ARGUMENT
    for number, code in [(None, E_INVALID_ARGUMENT), (b"\xff\xfe", E_INVALID_UTF8), (b"", 1), (b"unknown", 1)]:
        got, res = lookup(lib, raw_client, number)
        assert got == code and res, number  # a result comes back anyway
        try:
            assert lib.cb_result_error(res) == code
            assert lib.cb_result_error_message(res)
            text = ctypes.c_void_p()
            assert lib.cb_result_render(res, 0, None, ctypes.byref(text)) == 0
            assert b"Sorry" in ctypes.string_at(text.value)
            lib.cb_string_free(text)
        finally:
            lib.cb_result_free(res)


def test_result_getters_accept_null(lib):
    assert lib.cb_result_error(None) == E_INVALID_ARGUMENT
    assert lib.cb_result_error_message(None) == b""
    assert lib.cb_result_found(None) is False
    assert lib.cb_result_count(None) == 0
    assert lib.cb_result_number(None) == b""
    assert lib.cb_result_status(None) == b""
    assert lib.cb_result_type(None) == b""
    assert lib.cb_result_position(None) == -1
    assert lib.cb_result_wait_seconds(None) == -1
    assert lib.cb_result_estimated_for(None) == -1
    assert lib.cb_result_action(None) == -1
    assert lib.cb_result_cancel_outcome(None) == 0
    assert lib.cb_result_widget_state(None) == b""
    assert lib.cb_result_callbacks_available(None) is False
    assert lib.cb_result_offer_asap(None) is False
    assert lib.cb_result_offer_scheduled(None) is False
    assert lib.cb_result_ewt_seconds(None) == -1


def test_result_getters(lib, raw_client):
    code, res = lookup(lib, raw_client, b"+15551230001")
    assert code == 0
    try:
        assert lib.cb_result_error(res) == 0 and lib.cb_result_error_message(res) == b""
        assert lib.cb_result_found(res) is True and lib.cb_result_count(res) == 1
        assert lib.cb_result_number(res) == b"+15551230001"
        assert lib.cb_result_status(res) == b"waitlisted" and lib.cb_result_type(res) == b"asap"
        assert lib.cb_result_position(res) == 4 and lib.cb_result_wait_seconds(res) == 720
        assert lib.cb_result_estimated_for(res) > 1_000_000_000
        assert lib.cb_result_action(res) == 0 and lib.cb_result_cancel_outcome(res) == 0
        assert lib.cb_result_widget_state(res) == b"" and lib.cb_result_ewt_seconds(res) == -1
        assert lib.cb_result_callbacks_available(res) is False
    finally:
        lib.cb_result_free(res)


def test_render_arguments(lib, raw_client):
    code, res = lookup(lib, raw_client, b"+15551230002")
    out = ctypes.c_void_p()
    try:
        assert lib.cb_result_render(None, 0, None, ctypes.byref(out)) == E_INVALID_ARGUMENT and not out.value
        assert lib.cb_result_render(res, 0, None, None) == E_INVALID_ARGUMENT
        assert lib.cb_result_render(res, 4, None, ctypes.byref(out)) == E_INVALID_ARGUMENT and not out.value
        assert lib.cb_result_render(res, -1, None, ctypes.byref(out)) == E_INVALID_ARGUMENT and not out.value
        assert lib.cb_result_render(res, 0, b"\xff", ctypes.byref(out)) == E_INVALID_UTF8 and not out.value
        assert lib.cb_result_render(res, 0, b"xx-YY", ctypes.byref(out)) == 17 and out.value
        lib.cb_string_free(out)
        for fmt in range(4):
            for loc in (None, b"en-US", b"es-US"):
                out = ctypes.c_void_p()
                assert lib.cb_result_render(res, fmt, loc, ctypes.byref(out)) == 0
                assert ctypes.string_at(out.value)
                lib.cb_string_free(out)
    finally:
        lib.cb_result_free(res)


def test_status_lookup_raw(lib):
    for arg, code in [(None, E_INVALID_ARGUMENT), (b"\xff", E_INVALID_UTF8), (b"+15551230099", 0)]:
        ptr = lib.cb_status_lookup(arg)
        assert isinstance(ptr, int) and ptr
        assert lib.cb_last_error_code() == code, arg
        assert ctypes.string_at(ptr)
        lib.cb_string_free(ptr)
    lib.cb_shutdown()


def test_cancel_and_widget_nulls(lib, raw_client):
    out = _lib.cb_result_p()
    assert lib.cb_client_cancel(None, b"+15551230001", ctypes.byref(out)) == E_INVALID_ARGUMENT and not out
    assert lib.cb_client_cancel(raw_client, b"+15551230001", None) == E_INVALID_ARGUMENT
    assert lib.cb_client_widget_status(None, b"w-open", ctypes.byref(out)) == E_INVALID_ARGUMENT and not out
    assert lib.cb_client_widget_status(raw_client, b"w-open", None) == E_INVALID_ARGUMENT
    # NULL widget id = the configured one; none configured here.
    assert lib.cb_client_widget_status(raw_client, None, ctypes.byref(out)) == 2 and out
    lib.cb_result_free(out)


def test_log_callback_levels(lib):
    assert lib.cb_set_log_callback(_lib.cb_log_fn(), 0, None) == E_INVALID_ARGUMENT
    assert lib.cb_set_log_callback(_lib.cb_log_fn(), 5, None) == E_INVALID_ARGUMENT
    assert lib.cb_set_log_callback(_lib.cb_log_fn(), 1, None) == 0


def test_panic_boundary_if_built_in(lib):
    if not lib.has("cb_test_panic"):
        pytest.skip("library built without the test-panic feature")
    assert lib.cb_test_panic() == 15
    assert lib.cb_last_error_code() == 15
