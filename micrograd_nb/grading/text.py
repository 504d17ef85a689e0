"""Text the grader stores or shows, made safe for every output.

Anything a submission can influence (file names, error messages, values) may hold
control characters (an ANSI escape can repaint the instructor's terminal), lone
surrogates (not encodable, so printing or writing them fails), bidirectional overrides
(they reorder what is shown) or a leading ``=`` (a formula in a spreadsheet). ``clean``
is applied before a text is stored in a result, so the table, JSON, CSV and Gradescope
outputs all carry the same, safe text; ``spreadsheet_cell`` adds OWASP's CSV-injection
escape for the CSV.
"""

import os
import re
import unicodedata

# C0 and C1 controls, DEL, bidirectional embeddings/overrides/isolates, and line or
# paragraph separators: shown as escapes (\x1b, \u202e), never acted on.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ud800-\udfff]")
# OWASP's CSV injection advice: a cell starting with these is read as a formula;
# the full-width forms too, which some spreadsheets fold into the plain ones.
_FORMULA_START = "=+-@\t\r\n"


def _escape(match):
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text, keep_newlines=False):
    """``text`` (any object; str() of it) with every unsafe character as an escape."""
    if not isinstance(text, str):
        text = str(text)
    if keep_newlines:
        return "\n".join(_UNSAFE.sub(_escape, line) for line in text.split("\n"))
    return _UNSAFE.sub(_escape, text)


def path_text(path):
    """A file name as text, whatever its bytes: undecodable bytes as \\xNN escapes."""
    try:
        raw = os.fsencode(path)
    except UnicodeEncodeError:  # a str holding a lone surrogate no file name can have
        return clean(path)
    return clean(raw.decode("utf-8", errors="backslashreplace"))


def spreadsheet_cell(value):
    """A CSV cell a spreadsheet shows as text: a formula-like start gets a leading
    apostrophe (OWASP), numbers stay numbers."""
    if not isinstance(value, str):
        return value
    text = clean(value)
    if text and unicodedata.normalize("NFKC", text[0])[:1] in _FORMULA_START:
        return "'" + text
    return text
