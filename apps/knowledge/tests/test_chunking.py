"""Cutting texts into chunks along paragraphs."""

from __future__ import annotations

from apps.knowledge.chunking import chunk_text


def test_short_paragraphs_share_a_chunk_and_spaces_collapse() -> None:
    assert chunk_text("First   para.\n\n\n  Second\tpara.  \n\n") == ["First para.\n\nSecond para."]


def test_paragraphs_are_packed_up_to_the_size() -> None:
    paragraphs = [f"{n} " + "word " * 110 for n in range(5)]  # about 550 characters each
    chunks = chunk_text("\n\n".join(paragraphs))
    assert len(chunks) == 5
    assert all(len(chunk) <= 1000 for chunk in chunks)
    small = chunk_text("\n\n".join(p[:300] for p in paragraphs))
    assert [chunk.count("\n\n") for chunk in small] == [2, 1]  # three paragraphs, then two


def test_a_long_paragraph_is_cut_after_sentences() -> None:
    sentence = "This sentence is about forty characters. "
    chunks = chunk_text(sentence * 60)
    assert len(chunks) == 3
    assert all(len(chunk) <= 1000 and chunk.endswith(".") for chunk in chunks)
    assert " ".join(chunks) == (sentence * 60).strip()


def test_text_without_breaks_is_cut_anyway() -> None:
    chunks = chunk_text("x" * 2500)
    assert [len(chunk) for chunk in chunks] == [1000, 1000, 500]


def test_blank_text_has_no_chunks() -> None:
    assert chunk_text(" \n\n \t ") == []
