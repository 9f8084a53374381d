"""Structured identifiers found with plain regular expressions and checksums.

* e-mail addresses of any local-part shape (bounce and list addresses with digits, dots,
  dashes, ``=``, ``+``), on public domains or internal ones (``.internal``, ``.corp``);
  written "name [at] host [dot] com" too;
* payment cards of 12 to 19 digits (Luhn), grouped or not; 12 to 15 digits only next to a
  card word (most random 12-digit numbers are not cards);
* labelled national identifiers of any country: the value after "SSN", "PESEL", "CPF",
  "codice fiscale", "personnummer", "Aadhaar", "passport no."... (Presidio's own national
  recognisers check the formats they know; this catches the rest).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from spacy.lang.en.stop_words import STOP_WORDS

from streams.compliance.lexicon import lexicon
from streams.compliance.recognizers import offline_tld_extractor

EMAIL = "EMAIL_ADDRESS"
CARD = "CREDIT_CARD"
NATIONAL_ID = "NATIONAL_ID"


@dataclass(frozen=True, slots=True)
class Span:
    entity_type: str
    start: int
    end: int
    score: float


_ATEXT = r"[\w!#$%&'*+/=?^`{|}~-]"
_EMAIL = re.compile(
    rf"(?<![\w!#$%&'*+/=?^`{{|}}~.-])(?P<local>{_ATEXT}+(?:\.{_ATEXT}+)*)"
    r"@(?P<domain>(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,24}|\[\d{1,3}(?:\.\d{1,3}){3}\])"
    r"(?![\w-])"
)
_OBFUSCATED = re.compile(
    r"(?i)(?<![\w.-])[\w.+-]+[ \t]*[\[(<{][ \t]*at[ \t]*[\])>}][ \t]*[\w-]+"
    r"(?:(?:[ \t]*[\[(<{][ \t]*dot[ \t]*[\])>}][ \t]*[\w-]+)+|(?:\.[\w-]+)+)"
)
# Mailing-list archives (Pipermail, Mailman) write "guido at python.org": a local part, the
# word "at" and a lower-case domain with a public suffix. "meet at python.org" and "look at
# example.com" are prose: a local part of letters only must be no English word.
_ARCHIVED = re.compile(
    r"(?<![\w.+@-])(?P<local>[A-Za-z0-9][\w.+-]{0,63}) at "
    r"(?P<domain>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+)"
    r"(?![\w@-]|\.\w)"
)
# A word this frequent in English is prose before "at", not a user name ("meet", "look").
ENGLISH_WORD_RANK: Final = 30000
EMAIL_SCORE_PUBLIC: Final = 1.0
EMAIL_SCORE_PRIVATE: Final = 0.8


def find_emails(text: str) -> list[Span]:
    """E-mail addresses; a domain without a public suffix scores a little lower."""
    out = []
    for m in _EMAIL.finditer(text):
        domain = m.group("domain")
        public = domain.startswith("[") or offline_tld_extractor()(domain).suffix != ""
        out.append(
            Span(EMAIL, m.start(), m.end(), EMAIL_SCORE_PUBLIC if public else EMAIL_SCORE_PRIVATE)
        )
    for m in _OBFUSCATED.finditer(text):
        out.append(Span(EMAIL, m.start(), m.end(), EMAIL_SCORE_PRIVATE))
    for m in _ARCHIVED.finditer(text):
        if _archived_address(m.group("local"), m.group("domain")):
            out.append(Span(EMAIL, m.start(), m.end(), EMAIL_SCORE_PRIVATE))
    return out


def _archived_address(local: str, domain: str) -> bool:
    if offline_tld_extractor()(domain).suffix == "":
        return False
    if re.search(r"[\d._+-]", local):
        return True  # "guido.van.rossum", "jdoe42": no word of prose looks like that
    if local.lower() in STOP_WORDS:
        return False
    info = lexicon().lookup(local)
    return info is None or not (0 < info.english_rank <= ENGLISH_WORD_RANK)


_CARD = re.compile(r"(?<![\w+./-])(?:\d[ -]?){11,18}\d(?![\w/-]|[.,]\d)")
_CARD_CONTEXT = re.compile(
    r"(?i)\b(?:card|cards|visa|mastercard|master card|maestro|amex|american express|discover"
    r"|diners|jcb|credit|debit|cc|pan|paid with|pay with|charged|charge)\b[^\n\d]{0,30}$"
)
CARD_SCORE: Final = 0.9


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = ord(c) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find_cards(text: str) -> list[Span]:
    """Payment card numbers: 12-19 digits passing Luhn, issuer digit 2-6."""
    out = []
    for m in _CARD.finditer(text):
        value = m.group()
        digits = re.sub(r"\D", "", value)
        if not 12 <= len(digits) <= 19 or digits[0] not in "23456" or not luhn_ok(digits):
            continue
        groups = re.split(r"[ -]", value)
        if len(groups) > 1 and min(len(g) for g in groups[:-1]) < 3:
            continue  # "12 34 56..." is not how cards are written
        if len(digits) < 16 and not _CARD_CONTEXT.search(text, max(0, m.start() - 50), m.start()):
            continue
        out.append(Span(CARD, m.start(), m.end(), CARD_SCORE))
    return out


_ID_LABELS = (
    r"social[ \t]+security(?:[ \t]+(?:number|no\.?|#))?|social[ \t]+insurance[ \t]+number"
    r"|national[ \t]+(?:id(?:entity)?|identification|insurance)(?:[ \t]+(?:number|no\.?"
    r"|card))?|ni[ \t]+(?:number|no\.?)|burgerservicenummer|codice[ \t]+fiscale"
    r"|fiscal[ \t]+code|tax[ \t]+code|personnummer|personal[ \t]+(?:id(?:entity)?|identity)"
    r"[ \t]+(?:number|code|no\.?)|henkilötunnus|aadhaar|aadhar|tax[ \t]+file[ \t]+number"
    r"|medicare(?:[ \t]+number)?|nhs[ \t]+(?:number|no\.?)|passport(?:[ \t]+(?:number|no\.?"
    r"|#))?|id[ \t]+(?:card|number|no\.?|document)|identity[ \t]+(?:card|number|document)"
    r"|tax[ \t]+(?:id|number|identification[ \t]+number)|vat[ \t]+(?:id|number|no\.?)"
    r"|steuer-?id|steuernummer|sv-nummer|sozialversicherungsnummer|numéro[ \t]+de[ \t]+sécurité"
    r"[ \t]+sociale|driver'?s?[ \t]+licen[cs]e(?:[ \t]+(?:number|no\.?))?|driving[ \t]+"
    r"licen[cs]e(?:[ \t]+(?:number|no\.?))?|licen[cs]e[ \t]+(?:number|no\.?)|pesel|hetu"
    # more countries' names for the same thing: citizen and resident registers, tax ids
    r"|(?:citizen(?:ship)?|resident|civil|personal|identity|identification|voter)[ \t]+"
    r"(?:id|number|no\.?|code|card(?:[ \t]+(?:number|no\.?))?)"
    r"|(?:resident|population)[ \t]+registration[ \t]+(?:number|no\.?)"
    r"|(?:t\.?c\.?[ \t]+)?kimlik(?:[ \t]+(?:no\.?|numaras[\u0131i]))?|emirates[ \t]+id"
    r"|teudat[ \t]+zehut|philsys(?:[ \t]+(?:number|no\.?|id))?|kra[ \t]+pin|huduma[ \t]+"
    r"(?:namba|number|no\.?)|kennitala|f[øo]dselsnummer|personnummer|isikukood|asmens[ \t]+"
    r"kodas|personas[ \t]+kods|rodn[ée][ \t]+[čc][íi]slo|c[ée]dula(?:[ \t]+de[ \t]+"
    r"ciudadan[íi]a)?|rijksregisternummer|num[ée]ro[ \t]+national|documento[ \t]+nacional"
    r"|cart[ãa]o[ \t]+de[ \t]+cidad[ãa]o|carta[ \t]+d'identit[àa]|dowód[ \t]+osobisty"
)
# Short labels only in capitals ("PAN", not the word "pan").
_ID_ACRONYMS = (
    r"SSN|SIN|NINO|NIN|BSN|CPF|CNPJ|RG|CURP|RFC|DNI|NIE|NIF|NSS|PESEL|NIP|CPR|CNP|PAN|TFN"
    r"|NIR|INSEE|TIN|ITIN|EIN|AHV|HETU|UIDAI|NHS|ID|SV-Nr\.?"
    r"|TCKN|BVN|RRN|CCCD|CMND|SSS|UMID|CNIC|NADRA|OIB|EMŠO|EMSO|EGN|AMKA|AFM|SNILS|INN"
    r"|RNOKPP|IIN|CUIL|CUIT|RUT|NRIC|MyKad|HKID|KTP|NIK"
)
_ID_VALUE = r"(?=[A-Z0-9 ./-]*\d)[A-Z0-9](?:[A-Z0-9]|[ ./-](?=[A-Z0-9])){4,24}"
_LABELLED_ID = re.compile(
    rf"(?<![\w-])(?:(?i:{_ID_LABELS})|{_ID_ACRONYMS})(?![\w-])[ \t]*(?:\([^)\n]{{1,30}}\))?[ \t]*"
    r"(?i:(?:number|no\.?|nr\.?|#)[ \t]*)?(?i:is|:|=|-|was)?[ \t]*(?:\*\*)?[ \t]*\(?"
    rf"(?P<value>{_ID_VALUE})"
)
NATIONAL_ID_SCORE: Final = 0.75
# "ID" alone is a national identifier; after another noun it is that thing's number
# ("Applicant ID", "Customer ID", "Order ID"), unless the noun says whose state issued it.
_QUALIFIED_ID = re.compile(r"(?i)([^\W\d_]+)[ \t_-]*\Z")
_ID_OWNERS: Final = frozenset(
    {
        *("my", "your", "his", "her", "their", "our", "the", "a", "an", "of", "photo"),
        *("government", "state", "official", "national", "personal", "citizen", "resident"),
        *("civil", "identity", "voter", "tax"),
    }
)
# The same labels as keys of JSON, logs and forms ("national_id": "...", nationalId=...).
_KEY_LABELS = (
    r"ssn|nino|bsn|cpf|curp|dni|nie|nif|pesel|cnp|hetu|aadhaa?r|tckn|cnic|nric|hkid|snils"
    r"|amka|egn|oib|emso|cuil|cuit|personnummer|henkilotunnus|codice[_-]?fiscale"
    r"|(?:national|citizen|resident|personal|tax|voter)[_-]?(?:id|identity|number|no|code)"
    r"(?:[_-]?(?:number|no))?|social[_-]?security(?:[_-]?(?:number|no))?"
    r"|passport(?:[_-]?(?:number|no))?|id[_-]?(?:card|number|document)(?:[_-]?(?:number|no))?"
)
_KEYED_ID = re.compile(
    rf"(?<![\w-])[\"']?(?i:{_KEY_LABELS})[\"']?[ \t]*[:=][ \t]*[\"']?(?P<value>{_ID_VALUE})"
)


def find_labelled_ids(text: str) -> list[Span]:
    """The value after a national-identifier label, in any country's format."""
    out = []
    for m in [*_LABELLED_ID.finditer(text), *_KEYED_ID.finditer(text)]:
        if m.group().startswith("ID") and (
            (q := _QUALIFIED_ID.search(text, max(0, m.start() - 30), m.start())) is not None
            and q.group(1).lower() not in _ID_OWNERS
        ):
            continue  # "Applicant ID: 1714355135"
        value = m.group("value")
        # a trailing lone word after a space belongs to the sentence, not the value
        trimmed = re.sub(r" +[A-Z]{3,}$", "", value)
        if sum(c.isdigit() for c in trimmed) < 4:
            continue
        start = m.start("value")
        span = Span(NATIONAL_ID, start, start + len(trimmed), NATIONAL_ID_SCORE)
        if span not in out:
            out.append(span)
    return out


def find_identifiers(text: str) -> list[Span]:
    return find_emails(text) + find_cards(text) + find_labelled_ids(text)
