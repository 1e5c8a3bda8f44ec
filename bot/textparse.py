"""Typed lines and button ids into (command, arguments): pure functions, no I/O.

Grammar: ``[/]command words [positional ...] [key:value ...]``. Quote with ``"..."`` to keep
spaces in one value; quotes after the first word of a longer text are kept as typed. A
``key:value`` may run over the bare words after it, so ``when:tomorrow 7pm where:City Hall`` needs
no quotes. Keys are the command's parameter names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from difflib import get_close_matches
from typing import Any

from bot.commands import Command, Param, Registry
from bot.domain import TRAILING
from bot.errors import UsageError
from bot.markup import esc
from bot.timeparse import parse_duration, parse_offsets

MAX_LINE = 4000
_KEY = re.compile(r"^([a-z][a-z0-9_-]*):(.*)$", re.IGNORECASE | re.DOTALL)
_EXTENDS = {"text", "words", "time", "duration", "offsets"}
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})


@dataclass(frozen=True)
class Token:
    text: str
    #: The token began with a quote: never a key, never a command word.
    quoted: bool = False
    #: As typed, quotes included, when that differs from ``text``.
    typed: str | None = None

    @property
    def as_typed(self) -> str:
        return self.text if self.typed is None else self.typed


@dataclass(frozen=True)
class Parsed:
    command: Command
    args: dict[str, Any]


#: Invisible characters that copying text from a web page or a phone's keyboard leaves in it (zero-width
#: space, direction marks, word joiner, byte-order mark, soft hyphen): dropped. The zero-width joiner
#: and non-joiner are kept (emoji and Persian or Indic words need them); direction overrides, which
#: can make text read differently from what it is, are still refused.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200e\u200f\u2060\ufeff\u00ad"))


def clean_line(line: str) -> str:
    """Reject what no command can contain; normalise what phones add (curly quotes, NBSP, invisible
    marks)."""
    return _clean(line.translate(_QUOTES))


def _clean(text: str) -> str:
    if len(text) > MAX_LINE:
        raise UsageError(f"That message is too long ({len(text):,} characters; the most is {MAX_LINE:,}).")
    text = text.replace("\u00a0", " ").translate(_INVISIBLE)
    if text.isprintable():  # the usual line: nothing below could refuse it
        return " ".join(text.split())
    for ch in text:
        if ch in "\t\n\r":
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\u200d\u200c":
            raise UsageError("That message contains control characters; please type it again as plain text.")
    return " ".join(text.split()) if "\n" not in text else text.strip()


def tokenize(line: str) -> list[Token]:
    if '"' not in line:  # nothing quoted (most lines, every button): the words are the tokens
        return [Token(word) for word in line.split()]
    return _scan(line)


#: Stands for a quote that is only a character (one never closed); ``clean_line`` refuses private-use
#: characters, so no typed line contains it.
_LITERAL_QUOTE = "\ue000"


def _scan(line: str) -> list[Token]:
    """Tokens, character by character: quotes keep spaces and mark a token as quoted.

    A quote that is never closed is just a character (``He said "meet at 5``).
    """
    tokens: list[Token] = []
    buf: list[str] = []
    typed: list[str] = []
    quoted_start = in_quote = False
    started = False
    opened_at = 0
    for i, ch in enumerate(line):
        if in_quote:
            typed.append(ch)
            if ch == '"':
                in_quote = False
            else:
                buf.append(ch)
        elif ch == '"':
            if not started:
                quoted_start = True
            in_quote = started = True
            opened_at = i
            typed.append(ch)
        elif ch.isspace():
            if started:
                tokens.append(_token(buf, typed, quoted_start))
            buf, typed, started, quoted_start = [], [], False, False
        else:
            buf.append(ch)
            typed.append(ch)
            started = True
    if in_quote:
        literal = _scan(line[:opened_at] + _LITERAL_QUOTE + line[opened_at + 1:])
        return [Token(t.text.replace(_LITERAL_QUOTE, '"'), t.quoted,
                      None if t.typed is None else t.typed.replace(_LITERAL_QUOTE, '"')) for t in literal]
    if started:
        tokens.append(_token(buf, typed, quoted_start))
    return tokens


def _token(buf: list[str], typed: list[str], quoted: bool) -> Token:
    text, as_typed = "".join(buf), "".join(typed)
    return Token(text, quoted, None if as_typed == text else as_typed)


def parse_line(line: str, registry: Registry) -> Parsed:
    """Parse one typed command. Raises ``UsageError`` with the usage when it does not fit."""
    command, rest = match_line(line, registry)
    return Parsed(command, bind(command, rest))


class RecentLines:
    """Lines parsed lately, kept with their parse: a crowd that clicks one "Sign up" button sends
    one line thousands of times, and reading it again is a quarter of what answering it costs.

    Only lines of commands marked ``remembered`` are kept (their lines name events and roles, never
    a person), only short ones, at most ``size`` (the oldest forgotten first), and only while every
    value is immutable, so no caller sees another's changes.
    """

    KEPT = (str, int, timedelta, type(None))

    def __init__(self, *, size: int = 256, longest: int = 64) -> None:
        self.size, self.longest = size, longest
        self._parsed: dict[str, Parsed] = {}

    def __contains__(self, line: str) -> bool:
        return line in self._parsed

    def get(self, line: str) -> Parsed | None:
        """The line's parse, when it is kept: its arguments are the caller's own."""
        parsed = self._parsed.get(line)
        return None if parsed is None else Parsed(parsed.command, dict(parsed.args))

    def keep(self, line: str, parsed: Parsed) -> None:
        """Keep a line's parse, if it may be kept."""
        if (not parsed.command.remembered or len(line) > self.longest or line in self._parsed
                or not all(isinstance(v, self.KEPT) for v in parsed.args.values())):
            return
        if len(self._parsed) >= self.size:
            del self._parsed[next(iter(self._parsed))]
        self._parsed[line] = Parsed(parsed.command, dict(parsed.args))


_COMING = "To say you're still coming, type `confirm` (or tap the button on my message)."
_NOT_COMING = "To give up your spot, type `cancel` (or tap the button on my message); someone waiting gets it."
_STOP = "To stop reminder messages, type `reminders off`; `forget-me` deletes everything I keep about you."
#: What people type back to a reminder or an offer instead of a command, and how to say it.
_ANSWERS = {
    **dict.fromkeys(("yes", "yep", "yeah", "y", "i'll be there", "ill be there", "i will be there", "coming",
                     "still coming"), _COMING),
    **dict.fromkeys(("no", "nope", "n", "can't make it", "cant make it", "can't come", "cant come",
                     "i can't make it", "i cant make it", "not coming"), _NOT_COMING),
    **dict.fromkeys(("stop", "unsubscribe", "leave me alone"), _STOP),
}


def match_line(line: str, registry: Registry) -> tuple[Command, list[Token]]:
    """Which command a line names, and the tokens left for its arguments."""
    cleaned = clean_line(line).lstrip("/").strip()
    if not cleaned:
        raise UsageError("Type a command, or `help` to see them all.")
    tokens = tokenize(cleaned)
    # Only leading unquoted tokens can name the command.
    leading = []
    for t in tokens[:3]:
        if t.quoted:
            break
        leading.append(t.text.lower().rstrip(TRAILING) or t.text.lower())  # mine? help! is the command
    command, size = registry.match(leading)
    if command is None:
        words = [t.text.lower() for t in tokens if not t.quoted]
        name = words[0][:32] if words else cleaned[:32]
        answer = _ANSWERS.get(" ".join(w.rstrip(TRAILING) for w in cleaned.lower().replace("’", "'").split()))
        if answer is not None:  # a reply typed to a reminder or an offer, not a command
            raise UsageError(answer)
        meant = near_miss(leading, registry)
        hint = f"Did you mean `{meant}`?" if meant else "Type `help` to see what I can do."
        raise UsageError(f"I don't know the command `{esc(name)}`. {hint}")
    return command, tokens[size:]


def bind(command: Command, tokens: list[Token]) -> dict[str, Any]:
    """Give each token to a parameter, then convert each value to its kind."""
    # Quotes group words into one value; inside a longer text (after its first word) they are the
    # person's own and kept: announce Vote "yes" on Prop 5.
    raw: dict[str, str] = {}
    keyed: list[str] = []  # the parameters given as key:value
    positional: list[Token] = []
    current: Param | None = None
    for token in tokens:
        m = None if token.quoted else _KEY.match(token.text)
        param = command.param(m.group(1).lower()) if m else None
        if m and param is None:
            _refuse_misspelled_option(command, m.group(1))
        if m and param is not None:
            if param.name in raw:
                raise _usage(command, f"`{param.name}:` is given twice.")
            raw[param.name] = m.group(2)
            keyed.append(param.name)
            current = param if param.kind in _EXTENDS else None
        elif current is not None:
            extended = raw[current.name]
            raw[current.name] = f"{extended} {token.as_typed}" if extended.strip() else token.text
        else:
            positional.append(token)
    slots = [p for p in command.positional if p.name not in raw]
    for i, param in enumerate(slots):
        if not positional:
            break
        if param.kind in ("words", "zone") and i == len(slots) - 1:  # tz Los Angeles
            raw[param.name] = " ".join([positional[0].text, *(t.as_typed for t in positional[1:])])
            positional = []
        else:
            raw[param.name] = positional.pop(0).text
    if positional:
        extra = " ".join(t.text for t in positional)
        raise _usage(command, f"I didn't expect `{esc(extra[:60])}` here.")
    for name in keyed:  # where:'Town Hall'; a title such as 'Tis the season keeps its apostrophe
        raw[name] = _unquoted(raw[name].strip())
    return _convert_all(command, raw)


def bind_options(command: Command, options: Mapping[str, object]) -> dict[str, Any]:
    """Arguments a platform already split by name (a slash command's options), checked as if typed.

    No quoting is involved, so a value keeps every character the person typed, ``"`` included.
    """
    unknown = sorted(set(options) - {p.name for p in command.params})
    if unknown:
        raise _usage(command, f"`{esc(unknown[0][:32])}` is not an option of `{command.name}`.")
    raw = {name: _clean(str(value)) for name, value in options.items() if value is not None}
    return _convert_all(command, {name: text for name, text in raw.items() if text})


def _convert_all(command: Command, raw: dict[str, str]) -> dict[str, Any]:
    """Every parameter's value converted to its kind; None for optional ones not given."""
    args: dict[str, Any] = {}
    for param in command.params:
        if param.name not in raw:
            if param.required:
                raise _usage(command, f"`{command.name}` needs {param.placeholder}.")
            args[param.name] = None
            continue
        args[param.name] = convert(command, param, raw[param.name])
    return args


#: Single quotes some people put around a value as they would double quotes (``where:'Town Hall'``).
_SINGLE_QUOTES = (("'", "'"), ("\u2018", "\u2019"))


def _unquoted(value: str) -> str:
    """A ``key:value`` without single quotes wrapped around the whole of it and used nowhere inside
    (``'Town Hall'``); apostrophes (``Durham's``) and quotes within a text are kept."""
    for opening, closing in _SINGLE_QUOTES:
        inner = value[1:-1]
        if (len(value) > 2 and value[0] == opening and value[-1] == closing and opening not in inner
                and closing not in inner):
            return inner.strip()
    return value


def convert(command: Command, param: Param, value: str) -> Any:
    value = value.strip()
    if not value:
        raise _usage(command, f"{param.placeholder} is empty.")
    if param.kind in ("text", "words", "time", "zone"):
        if len(value) > param.max_length:
            raise _usage(command, f"`{param.name}` is too long ({len(value):,} characters; the most is "
                         f"{param.max_length:,}).")
        return value
    if param.kind in ("int", "event"):
        value = value.rstrip(TRAILING) or value  # signup 3! is 3
        digits = value.lstrip("#").replace(",", "") if param.kind == "event" else value.replace(",", "")
        if not re.fullmatch(r"-?\d{1,12}", digits):
            what = "an event id (a number, see `events`)" if param.kind == "event" else "a whole number"
            raise _usage(command, f"`{esc(value[:40])}` is not {what}.")
        number = int(digits)
        if param.kind == "event" and number <= 0:
            raise _usage(command, f"`{esc(value[:40])}` is not an event id (see `events`).")
        if param.min is not None and number < param.min:
            raise _usage(command, f"`{param.name}` must be at least {param.min:,}.")
        if param.max is not None and number > param.max:
            raise _usage(command, f"`{param.name}` can be at most {param.max:,}.")
        return number
    if param.kind == "choice":
        lowered = value.lower().rstrip(TRAILING) or value.lower()
        if lowered not in param.choices:
            raise _usage(command, f"`{esc(value[:40])}` is not one of {', '.join(param.choices)}.")
        return lowered
    if param.kind == "duration":
        return parse_duration(value)
    if param.kind == "offsets":
        return parse_offsets(value)
    raise AssertionError(f"unhandled parameter kind {param.kind}")


def _refuse_misspelled_option(command: Command, key: str) -> None:
    """``spost:5`` is a slip for ``spots:``, not words of the place before it: say so, change nothing.
    Only a near miss of one of the command's options counts ("Note: ..." in a text stays text)."""
    close = get_close_matches(key.lower(), [p.name for p in command.params if p.keyword], n=1, cutoff=0.75)
    if close:
        raise _usage(command, f"`{command.name}` has no option `{esc(key[:32])}:`. Did you mean `{close[0]}:`?")


def near_miss(words: list[str], registry: Registry) -> str | None:
    """The command the words were probably meant to name (``sign up``, ``singup``, ``event cancle``),
    or None when nothing is close."""
    words = [w.lower() for w in words[:3]]
    if not words:
        return None
    names = {c.name for c in registry}
    for size in (2, 1):  # written apart or hyphenated: "sign up", "sign-up"
        joined = "".join(words[:size]).replace("-", "")
        if len(words) >= size and joined in names and joined != " ".join(words[:size]):
            return joined
    first, rest = words[0], words[1:]
    if rest and rest[0].replace("-", "").isalpha():  # a slip in the second word: "event cancle"
        family = [c.words[1] for c in registry if len(c.words) > 1 and c.words[0] == first]
        close = get_close_matches(rest[0], family, n=1, cutoff=0.75)
        if close:
            return f"{first} {close[0]}"
    close = get_close_matches(first, [n for n in names if " " not in n], n=1, cutoff=0.75)
    return close[0] if close and close[0] != first else None


def _usage(command: Command, problem: str) -> UsageError:
    return UsageError(problem, usage=command.usage)
