"""A readable word-level redline between two texts: deletions struck, insertions underlined.

Both texts are escaped before any markup is added, so nothing a user typed can become HTML.
"""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Words and the white space after them, so that paragraphs and line breaks survive the comparison.
_TOKEN = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Redline:
    html: SafeString
    inserted_words: int
    deleted_words: int

    @property
    def unchanged(self) -> bool:
        return not (self.inserted_words or self.deleted_words)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.replace("\r\n", "\n"))


def _words(tokens: list[str]) -> int:
    return sum(1 for token in tokens if token.strip())


def _render(tokens: list[str]) -> str:
    return escape("".join(tokens)).replace("\n", "<br>\n")


def redline(old: str, new: str) -> Redline:
    before, after = _tokens(old), _tokens(new)
    # Compare on the words alone, so a change of spacing is not shown as a change of wording.
    matcher = difflib.SequenceMatcher(a=[t.strip() for t in before], b=[t.strip() for t in after], autojunk=False)
    parts, inserted, deleted = [], 0, 0
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        # Leading white space is a token without a word: adding or removing it changes no wording.
        if op == "equal" or not (_words(before[a1:a2]) or _words(after[b1:b2])):
            parts.append(_render(after[b1:b2]))
            continue
        if op in ("delete", "replace"):
            deleted += _words(before[a1:a2])
            parts.append(f'<del class="redline-del">{_render(before[a1:a2])}</del>')
        if op in ("insert", "replace"):
            inserted += _words(after[b1:b2])
            parts.append(f'<ins class="redline-ins">{_render(after[b1:b2])}</ins>')
    return Redline(html=mark_safe("".join(parts)), inserted_words=inserted, deleted_words=deleted)
