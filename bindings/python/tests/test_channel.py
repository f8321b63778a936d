"""The channel variables are the library's list (issue 18): ``channel_variables()`` hands over
exactly what ``cb_result_variables()`` gives, in its order (``CBSTATUS_RESULT`` last), the
package's name constants match it, and the channel's language is the library's to map."""

import cbstatus


def raw_list(result, language=None):
    """``cb_result_variables()`` read directly through ctypes, in order."""
    lib = result.library
    handle = lib.cb_result_variables(result._ptr(), None if language is None else language.encode())
    try:
        return [
            (lib.cb_variables_name(handle, i).decode(), lib.cb_variables_value(handle, i).decode())
            for i in range(lib.cb_variables_count(handle))
        ]
    finally:
        lib.cb_variables_free(handle)


def test_channel_variables_are_the_librarys_list_in_order(client):
    for number, language in [("+15551230001", None), ("+15551230001", "es_MX"), ("+15551230099", "en"),
                             ("+15551230500", "fr"), ("not a number", "\u00ff\x1b[2J")]:
        with client.lookup(number) as result:
            values = cbstatus.channel_variables(result, language)
            assert list(values.items()) == raw_list(result, language), (number, language)
            assert tuple(values) == cbstatus.CHANNEL_VARIABLES, (number, language)
    with client.lookup("+15551230001") as result:
        assert cbstatus.channel_variables(result, "es_MX")["CBSTATUS_TEXT"].startswith("Usted")
        assert result.variables_locale("es_MX") == "es-US"
        assert result.variables_locale("en") == result.variables_locale(None) == "en-US"
        # Asterisk's and FreeSWITCH's French channels speak Canadian French.
        for language in ("fr", "fr_CA", "fr-CA"):
            assert result.variables_locale(language) == "fr-CA", language
            values = cbstatus.channel_variables(result, language)
            assert values["CBSTATUS_TEXT"].startswith("Vous êtes le 4e"), language
            assert 'xml:lang="fr-CA"' in values["CBSTATUS_SSML"], language
            assert "digits/h-4" in values["CBSTATUS_PROMPTS"].split("&"), language


def test_journey_names_match_the_library(client):
    with client.offer("w-open") as offer:
        names = list(cbstatus.channel_variables(offer))
        assert names[-1] == "CBSTATUS_RESULT"
        assert [n for n in names if n in cbstatus.JOURNEY_VARIABLES] == list(cbstatus.JOURNEY_VARIABLES[:4])
        assert list(cbstatus.journey_variables(offer)) == list(cbstatus.JOURNEY_VARIABLES[:4])
    # Refused (a closed widget): nothing is stored in the session's simulator, whose w-open
    # line other tests count.
    with client.register("+15557779001", widget_id="w-closed") as registration:
        assert registration.register_outcome == "refused"
        names = list(cbstatus.channel_variables(registration))
        assert names[-3:] == list(cbstatus.JOURNEY_VARIABLES[4:]) + ["CBSTATUS_RESULT"]


def test_error_variables_keep_the_librarys_order():
    values = cbstatus.error_variables("Sorry", "internal")
    assert tuple(values) == cbstatus.CHANNEL_VARIABLES and values["CBSTATUS_RESULT"] == "ERROR"
