"""The canary: unique tokens planted in every text of what some readers may not see, then looked for on every
channel each reader has (tests/security/test_canary.py).

A token reads `CANARY-<model>-<field>-<8 hex digits>`: where it turns up says which field of which object leaked.
"""

import email.message
import io
import json
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from django.core import mail
from django.http import HttpResponse

TOKEN = re.compile(r"CANARY-[a-z]+-[a-z_]+-[0-9a-f]{8}")
MARKUP = re.compile(r"<[^>]*>")

# Who must never read a token, by why it is hidden: restricted to CBSA and ATF, or marked Protected B (above the
# Protected A clearance of hsi, cbp and dea).
RESTRICTED = "restricted to CBSA and ATF"
PROTECTED_B = "Protected B"
HIDDEN_FROM = {
    RESTRICTED: ("rcmp", "hsi", "cbp", "dea"),
    PROTECTED_B: ("hsi", "cbp", "dea"),
}
# Who must read them somewhere (so the canary cannot pass by showing nothing).
SHOWN_TO = {
    RESTRICTED: ("cbsa", "atf"),
    PROTECTED_B: ("rcmp", "cbsa", "atf"),
}


@dataclass(frozen=True)
class Planted:
    token: str
    where: str  # the object and field, in words
    why: str  # RESTRICTED or PROTECTED_B


@dataclass
class Canary:
    """The tokens planted, and what each reader was found to read: leaks (and structural hints) collected, not
    asserted one by one, so that one run lists them all."""

    planted: dict[str, Planted] = field(default_factory=dict)
    seen: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    problems: list[str] = field(default_factory=list)
    channels: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    def token(self, model: str, name: str, where: str, why: str = RESTRICTED) -> str:
        token = f"CANARY-{model}-{name}-{secrets.token_hex(4)}"
        self.planted[token] = Planted(token, where, why)
        return token

    def tokens(self, why: str) -> list[str]:
        return [token for token, planted in self.planted.items() if planted.why == why]

    def read(self, persona: str, channel: str, where: str, text: str) -> None:
        """Look for every planted token in what `persona` reads on `channel` at `where`."""
        self.channels[persona][channel] += 1
        for token in set(TOKEN.findall(unfold(text))) & self.planted.keys():
            self.seen[persona].add(token)
            planted = self.planted[token]
            if persona in HIDDEN_FROM[planted.why]:
                self.problems.append(
                    f"{persona} | {channel} | {where} | reads {token} ({planted.where}; {planted.why})"
                )

    def hint(self, persona: str, channel: str, where: str, what: str) -> None:
        self.problems.append(f"{persona} | {channel} | {where} | {what}")

    def unseen_by_those_who_may(self, readers: tuple[str, ...]) -> list[str]:
        """Tokens one of `readers` may read but read nowhere."""
        return [
            f"{persona} | (every channel) | - | never reads {token} ({planted.where}), shared with them"
            for token, planted in self.planted.items()
            for persona in SHOWN_TO[planted.why]
            if persona in readers and token not in self.seen[persona]
        ]


def unfold(text: str) -> str:
    """iCalendar folds long lines (a CRLF and a space may split a token): read them unfolded."""
    return text.replace("\r\n ", "").replace("\n ", "").replace("\r\n\t", "").replace("\n\t", "")


def content_of(response: HttpResponse) -> bytes:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
        response.streaming_content = [content]
        return content
    return response.content


def text_of(response: HttpResponse) -> str:
    """Everything a caller reads in a response: its headers (a download's file name), its body as text, and a PDF's
    extracted text."""
    content = content_of(response)
    headers = " ".join(f"{name}: {value}" for name, value in response.items())
    text = content.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith("application/pdf") or content.startswith(b"%PDF"):
        text += " " + pdf_text(content)
    if response.get("Content-Type", "").startswith("text/html"):
        # Without its tags too: a search result highlights the words matched, inside a token.
        text += "\n" + MARKUP.sub("", text)
    return f"{headers}\n{text}"


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    try:
        pages = PdfReader(io.BytesIO(content)).pages
        return " ".join(" ".join(page.extract_text().split()) for page in pages)
    except Exception as error:  # a broken PDF is read as its bytes only
        return f"(unreadable PDF: {error})"


def json_of(response: HttpResponse):
    try:
        return json.loads(content_of(response) or b"null")
    except ValueError:
        return None


def email_text(message: mail.EmailMessage) -> str:
    """An email as its recipient reads it: headers, subject, every body and every attachment."""
    parts = [f"{name}: {value}" for name, value in message.extra_headers.items()]
    parts += [message.subject, message.body]
    parts += [content for content, _mimetype in getattr(message, "alternatives", [])]
    for attachment in message.attachments:
        if isinstance(attachment, email.message.Message):
            parts.append(attachment.as_string())
            continue
        name, content, _mimetype = attachment
        parts.append(name or "")
        parts.append(content.decode("utf-8", errors="replace") if isinstance(content, bytes) else str(content))
    return "\n".join(str(part) for part in parts)
