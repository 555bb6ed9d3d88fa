"""Message boundaries in mbox streams: line endings, escapes, chunk edges, bad input."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exposure.core.errors import SourceError
from exposure.sources.mail.headers import address_of, field_positions, value_at
from exposure.sources.mail.mbox import iter_header_blocks, looks_like_mbox
from tests.mail.helpers import mbox, message


def blocks(data: bytes, **kwargs: int) -> tuple[list[bytes], list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    out = list(
        iter_header_blocks(io.BytesIO(data), "test.mbox", lambda w, m: problems.append((w, m)), **kwargs)
    )
    return out, problems


def senders(found: list[bytes]) -> list[str]:
    out = []
    for block in found:
        pos = field_positions(block).get(b"from")
        addr = address_of(value_at(block, pos)) if pos is not None else None
        out.append(addr.decode() if addr else "")
    return out


def test_three_messages_lf() -> None:
    data = mbox(*(message(f"a{i}@shop{i}.example") for i in range(3)))
    found, problems = blocks(data)
    assert senders(found) == ["a0@shop0.example", "a1@shop1.example", "a2@shop2.example"]
    assert problems == []
    assert all(b.startswith(b"\n") for b in found)


@pytest.mark.parametrize("crlf", [True, [False, True, False, True], [True, False, False]])
def test_crlf_and_mixed_line_endings(crlf: bool | list[bool]) -> None:
    count = len(crlf) if isinstance(crlf, list) else 4
    data = mbox(
        *(message(f"x@d{i}.example", body="line\n\nFrom here on escaped\n") for i in range(count)), crlf=crlf
    )
    found, problems = blocks(data)
    assert senders(found) == [f"x@d{i}.example" for i in range(count)]
    assert problems == []
    # The header stops at the first blank line: the body's lines are not in it.
    assert not any(b"escaped" in b for b in found)


def test_mboxrd_escapes_and_body_from_lines_are_not_boundaries() -> None:
    body = "Hi\n>From the archive\n>>From deeper\nFrom the desk of the team (after a non-blank line)\n"
    data = mbox(message("a@one.example", body=body), message("b@two.example"))
    # helpers.mbox escaped "From the desk"; undo that one escape to test an unescaped mboxo body line.
    data = data.replace(b">From the desk", b"From the desk")
    found, _ = blocks(data)
    assert senders(found) == ["a@one.example", "b@two.example"]


@pytest.mark.parametrize(
    "first_body",
    [
        pytest.param(b"\nbody\n", id="after-a-body-line"),
        # A message with no blank line at all: its header runs into the next From line.
        pytest.param(b"", id="header-running-into-it"),
    ],
)
def test_from_line_without_blank_line_before_it_counts_when_it_looks_like_one(first_body: bytes) -> None:
    data = (
        b"From a@x Sat Nov 25 10:00:00 2023\nFrom: a@one.example\nSubject: s\n"
        + first_body
        + b"From b@x Sat Nov 25 10:00:00 2023\nFrom: b@two.example\nSubject: t\n\nbody\n"
    )
    found, _ = blocks(data)
    assert senders(found) == ["a@one.example", "b@two.example"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a@x.example", "b@y.example", "Z <z@z.example>", '"Q, R" <q@q.example>']),
            st.text(alphabet="abc From\n>", max_size=300),
            st.booleans(),
        ),
        min_size=1,
        max_size=8,
    ),
    st.integers(min_value=32, max_value=700),
)
def test_any_chunk_size_gives_the_same_messages(msgs: list[tuple[str, str, bool]], chunk: int) -> None:
    data = mbox(*(message(s, body=b) for s, b, _ in msgs), crlf=[c for _, _, c in msgs])
    big, _ = blocks(data)
    small, _ = blocks(data, chunk_size=chunk, max_header=4096)
    assert len(big) == len(msgs)
    assert [b.replace(b"\r", b"") for b in small] == [b.replace(b"\r", b"") for b in big]


def test_byte_ranges_split_messages_exactly_once() -> None:
    data = mbox(
        *(message(f"s{i}@d{i}.example", body="x\n" * (i * 7)) for i in range(40)),
        crlf=[i % 3 == 0 for i in range(40)],
    )
    whole, _ = blocks(data)
    for cuts in (
        [0, 500, len(data)],
        [0, 1, 2, 3, 700, 701, 2500, len(data)],
        list(range(0, len(data) + 97, 97)),
    ):
        parts = []
        for start, stop in zip(cuts, cuts[1:], strict=False):
            found, _ = blocks(data, start=start, stop=stop, chunk_size=64)
            parts += found
        assert senders(parts) == senders(whole)


def test_truncated_inside_a_header_keeps_the_message_and_says_so() -> None:
    data = mbox(message("a@one.example"), message("b@two.example"))
    cut = data[: data.rfind(b"Subject:") + 5]
    found, problems = blocks(cut)
    assert senders(found) == ["a@one.example", "b@two.example"]
    assert len(problems) == 1
    assert "ends inside the header" in problems[0][1] and "truncated" in problems[0][1]


def test_truncated_inside_a_body_is_just_the_end() -> None:
    data = mbox(message("a@one.example", body="long body\n" * 50))
    found, problems = blocks(data[:-100])
    assert senders(found) == ["a@one.example"] and problems == []


def test_a_one_megabyte_header_is_cut_and_the_next_message_still_read() -> None:
    huge = [f"X-Junk-{i}: {'y' * 100}" for i in range(10_000)]  # ~1.1 MB of header
    data = mbox(message("a@one.example", extra=huge), message("b@two.example"))
    found, problems = blocks(data, max_header=256 << 10)
    assert len(found) == 2
    assert senders(found)[1] == "b@two.example"
    assert any("header over 256 KB" in m for _, m in problems)
    assert len(found[0]) <= (256 << 10) + 1


def test_junk_before_the_first_message_is_skipped_and_reported() -> None:
    data = b"garbage line\nmore\n\n" + mbox(message("a@one.example"))
    found, problems = blocks(data)
    assert senders(found) == ["a@one.example"]
    assert problems and "skipped 19 bytes" in problems[0][1]


def test_binary_garbage_is_not_an_mbox() -> None:
    import random

    garbage = random.Random(1).randbytes(50_000).replace(b"From ", b"")
    assert not looks_like_mbox(garbage)
    with pytest.raises(SourceError, match="not an mbox file"):
        blocks(garbage)


def test_empty_and_bom() -> None:
    assert blocks(b"") == ([], [])
    found, problems = blocks(b"\xef\xbb\xbf\n" + mbox(message("a@one.example")))
    assert senders(found) == ["a@one.example"] and problems == []


def test_file_ends_in_the_from_line() -> None:
    found, problems = blocks(mbox(message("a@one.example")) + b"From x@y Sat Nov 25")
    assert len(found) == 2
    assert "first line" in problems[0][1]
