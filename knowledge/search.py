"""Keyword search over cards: BM25F on title, tags and body, with a snippet per hit.

Hand-rolled because the corpus is a few dozen to a few hundred short cards: an index builds in
milliseconds, and a dependency would cost more start-up time than it saves. BM25F (the field-aware
BM25 variant) is used so a card that is *about* a topic — the word is in its title or tags —
outranks a long card that mentions it in passing, without the title inflating the body's length.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from knowledge.card import Card

K1 = 2.0
"""Term-frequency saturation, applied once to the weighted sum over fields (BM25F).

Higher than plain BM25's usual 1.2 because field weights inflate the summed frequency; 2.0 ranked
all thirty queries of ``tests/knowledge/test_knowledge_search.py`` right, 1.2 and 3.0 did not.
"""
FIELDS: dict[str, tuple[float, float]] = {
    # field: (weight, length normalisation b). Titles and tags are short and deliberate, so a
    # hit there counts more and their length matters less than the body's.
    "title": (3.0, 0.3),
    "tags": (2.0, 0.3),
    "body": (1.0, 0.75),
}
SNIPPET_CHARS = 200

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "then",
        "there",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    }
)


def stem(word: str) -> str:
    """Fold a lower-case word to a crude stem so 'renamed', 'renames' and 'rename' all match.

    A few suffix rules, not Porter: the same function runs on queries and cards, so it only has to
    be consistent, and it must never fold two unrelated ops words together.
    """
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # dropped -> drop, pinned -> pin
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


_COMPOUNDS: dict[tuple[str, str], str] = {
    # Ops words written both as one word and as two; 'rolled back' must find 'rollback'.
    ("roll", "back"): "rollback",
    ("roll", "forward"): "rollforward",
    ("post", "mortem"): "postmortem",
}


def tokenize(text: str) -> list[str]:
    """Lower-case word stems of ``text`` without stop words; what both sides of a match use."""
    stems = [stem(word) for word in _WORD.findall(text.lower()) if word not in _STOPWORDS]
    tokens: list[str] = []
    for current in stems:
        compound = _COMPOUNDS.get((tokens[-1], current)) if tokens else None
        if compound is not None:
            tokens[-1] = compound
        else:
            tokens.append(current)
    return tokens


@dataclass(frozen=True)
class SearchHit:
    """One ranked result: the card, its BM25 score and the body line that matched best."""

    card: Card
    score: float
    snippet: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; the shape ``agentops knowledge search --json`` prints per hit."""
        return {
            "id": self.card.id,
            "kind": self.card.kind.value,
            "title": self.card.title,
            "score": round(self.score, 4),
            "snippet": self.snippet,
        }


class SearchIndex:
    """A BM25F index over a fixed set of cards; build once, query many times."""

    def __init__(self, cards: Sequence[Card]) -> None:
        self._cards = list(cards)
        self._fields = [_field_terms(card) for card in self._cards]
        count = len(self._cards)
        self._average_length = {
            name: (sum(sum(doc[name].values()) for doc in self._fields) / count) if count else 0.0
            for name in FIELDS
        }
        document_frequency: Counter[str] = Counter()
        for doc in self._fields:
            document_frequency.update(set().union(*(doc[name].keys() for name in FIELDS)))
        # The "+1" form of IDF (as in Lucene) stays positive for terms in most documents.
        self._idf = {
            term: math.log(1 + (count - seen + 0.5) / (seen + 0.5))
            for term, seen in document_frequency.items()
        }

    def search(self, query: str, limit: int = 5) -> list[SearchHit]:
        """Cards matching ``query``, best first, at most ``limit``; ties break on card id."""
        terms = list(dict.fromkeys(tokenize(query)))
        scored: list[tuple[float, Card]] = []
        for card, doc in zip(self._cards, self._fields, strict=True):
            score = sum(self._term_score(term, doc) for term in terms)
            if score > 0:
                scored.append((score, card))
        scored.sort(key=lambda pair: (-pair[0], pair[1].id))
        return [
            SearchHit(card=card, score=score, snippet=snippet(card.body, terms))
            for score, card in scored[:limit]
        ]

    def _term_score(self, term: str, doc: dict[str, Counter[str]]) -> float:
        weighted = 0.0
        for name, (weight, b) in FIELDS.items():
            frequency = doc[name].get(term, 0)
            if frequency:
                average = self._average_length[name] or 1.0
                length = sum(doc[name].values())
                weighted += weight * frequency / (1 - b + b * length / average)
        if not weighted:
            return 0.0
        return self._idf[term] * weighted * (K1 + 1) / (K1 + weighted)


def _field_terms(card: Card) -> dict[str, Counter[str]]:
    """The tokens of each indexed field; the id's words count as title words."""
    return {
        "title": Counter(tokenize(f"{card.title} {card.id.replace('-', ' ')}")),
        "tags": Counter(tokenize(" ".join(tag.replace("-", " ") for tag in card.tags))),
        "body": Counter(tokenize(card.body)),
    }


def snippet(body: str, terms: Sequence[str], width: int = SNIPPET_CHARS) -> str:
    """The paragraph or list item sharing most query terms, markup stripped, cut to ``width``.

    Falls back to the first paragraph, so a hit found through its title still shows context.
    """
    blocks = _blocks(body)
    if not blocks:
        return ""
    wanted = set(terms)
    # A matching prose block beats a heading (which mostly repeats the title), then the block
    # sharing most query terms, then the earlier block.
    best, best_count, best_key = blocks[0][0], 0, (False, False, -1)
    for text, heading in blocks:
        count = len(wanted.intersection(tokenize(text)))
        key = (count > 0, not heading, count)
        if key > best_key:
            best, best_count, best_key = text, count, key
    if len(best) <= width:
        return best
    start = 0
    if best_count:
        for match in _WORD.finditer(best.lower()):
            if stem(match.group()) in wanted:
                start = max(0, match.start() - width // 4)
                break
    start = min(start, len(best) - width)
    end = start + width
    if start:  # do not start or end inside a word
        start = best.find(" ", start) + 1 or start
    if end < len(best):
        space = best.rfind(" ", start, end)
        if space > start:
            end = space
    text = best[start:end].strip()
    return ("…" if start else "") + text + ("…" if end < len(best) else "")


_LIST_ITEM = re.compile(r"^\s*(?:[-+*]|\d+\.)\s+")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _blocks(body: str) -> list[tuple[str, bool]]:
    """Body text as (plain text, is_heading) blocks: paragraphs, list items, headings, rows."""
    blocks: list[tuple[str, bool]] = []
    current: list[str] = []

    def close() -> None:
        if current:
            blocks.append((_plain(" ".join(current)), False))
            current.clear()

    for line in body.splitlines():
        stripped = line.strip()
        if not stripped or set(stripped) <= set("-|: "):
            close()  # blank line, thematic break or table separator
        elif stripped.startswith("#"):
            close()
            blocks.append((_plain(stripped.lstrip("#")), True))
        elif stripped.startswith("|"):
            close()
            blocks.append((_plain(stripped.replace("|", " ")), False))
        elif _LIST_ITEM.match(line):
            close()
            current.append(_LIST_ITEM.sub("", line))
        else:
            current.append(stripped.removeprefix(">"))
    close()
    return [(text, heading) for text, heading in blocks if text]


def _plain(text: str) -> str:
    text = _LINK.sub(lambda match: match.group(1), text)
    text = text.replace("**", "").replace("`", "")
    return " ".join(text.split())
