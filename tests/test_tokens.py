"""How a command line splits into words: the way people type them, quotes of every kind included."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqmsbot.cmd.tokens import QUOTES, Token, tokenize
from sqmsbot.errors import UsageError
from tests import tokens_reference

QUOTE_CHARS = set(QUOTES) | set(QUOTES.values())
# Words as people write them: any script, emoji, punctuation; no quote characters and no backslash
# (which escapes a closing quote inside quotes).
WORD_CHARS = st.characters(codec="utf-8", exclude_characters="".join(QUOTE_CHARS) + "\\")
QUOTED_WORDS = st.lists(st.text(WORD_CHARS, max_size=30), max_size=8)
PLAIN_WORDS = st.lists(
    st.text(WORD_CHARS, min_size=1, max_size=20).filter(
        lambda w: not any(ch.isspace() for ch in w) and "=" not in w and "＝" not in w
    ),
    max_size=8,
)


@given(QUOTED_WORDS, st.sampled_from([('"', '"'), ("“", "”"), ("「", "」"), ("『", "』"), ("'", "'")]))
def test_quoted_words_come_back_exactly(words: list[str], quotes: tuple[str, str]) -> None:
    opening, closing = quotes
    line = " ".join(f"{opening}{w}{closing}" for w in words)
    assert tokenize(line) == [Token(w, quoted=True) for w in words]


@given(PLAIN_WORDS, st.sampled_from([" ", "  ", "\t", "\u3000", " \u3000 "]))
def test_plain_words_split_on_any_whitespace_including_the_ideographic_space(
    words: list[str], gap: str
) -> None:
    assert [t.text for t in tokenize(gap.join(words))] == words


@given(st.text(max_size=200))
@settings(max_examples=300)
def test_any_line_either_splits_or_names_the_unclosed_quote(line: str) -> None:
    try:
        tokens = tokenize(line)
    except UsageError as error:
        assert error.key == "errors.unclosed_quote"
        assert error.args_["quote"] in QUOTE_CHARS
        return
    for token in tokens:
        # An unquoted word is never empty; `key=` names a field with an empty value (refused later).
        assert token.quoted or token.text or token.key


def test_apostrophes_inside_words_are_letters() -> None:
    words = tokenize("SQ-1 can't reach the customer's phone, it’s off")
    assert [t.text for t in words] == ["SQ-1", "can't", "reach", "the", "customer's", "phone,", "it’s", "off"]
    assert not any(t.quoted for t in words)


def test_a_lone_leading_apostrophe_is_a_letter_too() -> None:
    assert [t.text for t in tokenize("'tis fine")] == ["'tis", "fine"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('cust="C 1042 (VIP)"', Token("C 1042 (VIP)", quoted=True, key="cust")),
        ("desc=“charged twice”", Token("charged twice", quoted=True, key="desc")),
        ("desc=「重复扣费」", Token("重复扣费", quoted=True, key="desc")),
        ("dept＝ops", Token("ops", key="dept")),
        ("cust=C-1042", Token("C-1042", key="cust")),
        ('title="say \\"hi\\""', Token('say "hi"', quoted=True, key="title")),
    ],
)
def test_key_value_with_quotes(line: str, expected: Token) -> None:
    assert tokenize(f"P2 billing {line} fcr") == [Token("P2"), Token("billing"), expected, Token("fcr")]


def test_the_full_shorthand_of_the_issue() -> None:
    assert tokenize('P2 billing "Customer charged twice" cust=C-1042') == [
        Token("P2"),
        Token("billing"),
        Token("Customer charged twice", quoted=True),
        Token("C-1042", key="cust"),
    ]


def test_ideographic_space_separates_chinese_words() -> None:
    assert [t.text for t in tokenize("P2\u3000billing\u3000客户被重复扣费")] == [
        "P2",
        "billing",
        "客户被重复扣费",
    ]


@pytest.mark.parametrize(("line", "quote"), [('"Customer charged', '"'), ("“未闭合", "“"), ("x=「abc", "「")])
def test_an_unclosed_quote_is_a_usage_error_naming_it(line: str, quote: str) -> None:
    with pytest.raises(UsageError) as caught:
        tokenize(f"P2 billing {line}")
    assert caught.value.key == "errors.unclosed_quote"
    assert caught.value.args_ == {"quote": quote}


# Lines dense in what the tokenizer decides on: every quote (opening and closing), both `=`, the
# backslash that escapes, every kind of whitespace, field-name characters, apostrophes inside words,
# Chinese and emoji — so quotes open, close, nest, run unclosed and follow `key=` often.
SPECIAL_CHARS = st.sampled_from(
    sorted(QUOTE_CHARS) + list("=＝\\ \u3000\t\nakz_Z09-'’客户😀") + ["\u00a0", "\u2003", "\r"]
)
FRAGMENTS = st.sampled_from(
    [
        'k="',
        "k=",
        "dept＝",
        "desc=“",
        "x=‘",
        'cust="C 1',
        "can't",
        "it’s",
        '\\"',
        "\\\\",
        "「",
        "」",
        " ",
        "\u3000",
    ]
)
DENSE_LINES = st.one_of(
    st.text(SPECIAL_CHARS, max_size=400),
    st.lists(st.one_of(FRAGMENTS, st.text(SPECIAL_CHARS, max_size=6)), max_size=80).map("".join),
    st.text(st.one_of(SPECIAL_CHARS, st.characters()), max_size=300),
)


def _outcome(tokenizer: Callable[[str], list[Token]], line: str) -> object:
    """What a tokenizer made of a line: its words, or the usage error it raised (key and arguments)."""
    try:
        return tokenizer(line)
    except UsageError as error:
        return ("UsageError", error.key, error.args_)


@given(DENSE_LINES)
@settings(max_examples=1500)
def test_the_linear_tokenizer_reads_every_line_as_the_old_one_did(line: str) -> None:
    """Issue 9 made tokenize linear; the old quadratic one (tests/tokens_reference.py) is the oracle."""
    assert _outcome(tokenize, line) == _outcome(tokens_reference.tokenize, line)


@pytest.mark.parametrize(
    "line",
    [
        '"' * 101,
        "‘a " * 40,
        "k=‘x " * 30 + "’",
        '\\"' + "k=‘\\’ " * 20,
        '"' + "\\" * 50 + '\\"' + '"',
        "'a\\' 'b' ‘c ‘d’ e",
        "„x“ „y",
        'k="v"k="w"' * 10,
        "a" * 32 + '="v"',
        "a" * 33 + '="v"',
    ],
)
def test_the_linear_tokenizer_agrees_on_the_slow_shapes_of_issue_9(line: str) -> None:
    """The shapes its shortcuts are for (adjacent quotes, unclosed `‘` remembered, escapes using up
    the closing quote, the 32-character limit of a field name), which random lines rarely reach."""
    assert _outcome(tokenize, line) == _outcome(tokens_reference.tokenize, line)
