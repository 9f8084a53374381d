"""Identifiers derived from a person's name found in the same text.

Once a text names "Margareta Andersson-Ibrahim" or "Kaique Duarte", the same person appears
in forms no name rule sees:

* user names and handles built from the name: ``andersson-ibrahimm``, ``girish.ratta``,
  ``kochp``, ``northa``, ``jdoe``, ``andersjo`` (parts of the surname and given name, in
  either order, joined or separated by ``.``, ``_`` or ``-``);
* the name as a URL slug: ``linkedin.com/in/kaique-duarte``;
* the name or the surname as the host of a personal site: ``http://niemeyer.net``,
  ``www.kaique-duarte.com``;
* short forms of the given name used as nicknames: "Kai", "Marg", "Hilk" (a capitalised
  word of 3+ letters that begins a known given name, is no English word and is not a
  name's whole word already).

And user names after their labels ("AD username:", "login:", "acct"), whatever they look
like; after the actor fields of ticket and log systems ("Requested by:", "Assignee:",
"Author:") when they look like a login and are no English word; and, in a text that names
someone, logins made of a name with no name found: ``carolyn.bell``, ``g.smith``,
``artur_machado`` (a known given name or an initial, then a known surname or a word no
English dictionary holds). Every such span is PERSON: it identifies the person as much as
the name does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from spacy.lang.en.stop_words import STOP_WORDS

from streams.compliance.lexicon import (
    COMMON_WORD_RANK,
    NOT_NAMES,
    NameLexicon,
    fold_word,
    lexicon,
)
from streams.compliance.persons import NameSpan

DERIVED_SCORE: Final = 0.7

_TOKEN = re.compile(r"(?<![\w@.+/-])(?P<t>[a-z][a-z0-9]*(?:[._-][a-z0-9]+){0,3})(?![\w@/-]|\.\w)")
_SLUG = re.compile(
    r"/(?:in|u|user|users|profile|people|@)?/?(?P<t>[a-z][a-z0-9]*(?:[-_.][a-z0-9]+){1,4})"
)
_LABELLED = re.compile(
    r"(?i:(?:ad|ldap|windows|network|unix|login|user|system|sam)?[ \t]*"
    r"(?:user[ \t]*name|username|user[ \t]*id|login|account[ \t]*name|acct|samaccountname"
    r"|uid))[ \t]*[:=#][ \t]*(?P<t>[a-z][a-z0-9._-]{2,30}[a-z0-9])(?![\w@])"
)
# Actor fields of ticket, review and log systems, followed by a login ("Requested by: a.blaha").
_ACTOR = re.compile(
    r"(?i:requested[ \t]+by|requester|assignee|assigned[ \t]+to|approved[ \t]+by|approver"
    r"|created[ \t]+by|opened[ \t]+by|closed[ \t]+by|resolved[ \t]+by|submitted[ \t]+by"
    r"|modified[ \t]+by|changed[ \t]+by|updated[ \t]+by|reported[ \t]+by|reporter|author"
    r"|owner|reviewer|reviewed[ \t]+by)[ \t]*[:=][ \t]*(?P<t>[a-z][a-z0-9._-]{2,30}[a-z0-9])"
    r"(?![\w@(/])"
)
# Work notes and audit logs: a time stamp, then the login that wrote the line, maybe its
# role, then a colon ("2025-07-21 09:13 tejadaar (Service Desk): acct linds exists"); and
# "acct <login>" without a colon.
_WORK_NOTE = re.compile(
    r"(?m)^[^\n]{0,30}?\b\d{1,2}:\d{2}(?::\d{2})?[ \t]+(?P<t>[a-z][a-z0-9._-]{2,30}[a-z0-9])"
    r"(?:[ \t]+\([^)\n]{1,30}\))?:"
    r"|(?<![\w-])(?i:acct)[ \t]+(?P<a>[a-z][a-z0-9._-]{2,30}[a-z0-9])(?![\w@(/])"
)
# given.surname, g.surname, given_surname, surname-given: one separator, lower case.
_LOGIN = re.compile(
    r"(?<![\w@.+/`'-])(?P<t>(?P<a>[a-z]+)(?P<sep>[._-])(?P<b>[a-z]+(?:-[a-z]+)?))"
    r"(?![\w@/(`'-]|\.\w)"
)
# The host of a personal site ("http://niemeyer.net", "www.anna-lind.se", "jdoe.dev/blog").
_HOST = re.compile(
    r"(?<![\w@.-])(?:https?://)?(?:www\.)?(?P<t>[a-z][a-z0-9-]{2,40})\.[a-z]{2,12}(?:\.[a-z]{2})?"
    r"(?![\w-]|\.[a-z])"
)
_CAPITALISED = re.compile(r"(?<![\w-])(?P<t>[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]{2,})(?![\w-])")


def _parts(name: str) -> tuple[list[str], list[str]]:
    """Folded given-name words and surname words ("Margareta Andersson-Ibrahim" ->
    (["margareta"], ["andersson", "ibrahim", "anderssonibrahim"]))."""
    words = [fold_word(w) for w in re.split(r"[ \t,]+", name.strip()) if w]
    words = [re.sub(r"[^a-z'-]", "", w) for w in words]
    words = [w for w in words if len(w) >= 2]
    if len(words) < 2:
        return [], []
    given, surname = words[:1], words[1:]
    if "," in name:  # "Ratta, Girish"
        given, surname = words[-1:], words[:-1]
    out_s = []
    for s in surname:
        out_s += [p for p in s.split("-") if p] + [s.replace("-", ""), s]
    return given, out_s


def _derived_forms(given: Sequence[str], surnames: Sequence[str]) -> set[str]:
    forms: set[str] = set()
    for g in given:
        for s in surnames:
            if len(s) < 3:
                continue
            for sep in ("", ".", "_", "-"):
                forms |= {f"{g}{sep}{s}", f"{s}{sep}{g}", f"{g[0]}{sep}{s}", f"{s}{sep}{g[0]}"}
            forms |= {f"{g}{s[0]}", f"{g}.{s[0]}", f"{s[:6]}{g[:2]}", f"{s[:5]}{g[:3]}"}
    return {f for f in forms if len(f) >= 4}


def derived_names(
    text: str, names: Iterable[str], lex: NameLexicon | None = None
) -> list[NameSpan]:
    """User names, URL slugs and short forms derived from ``names`` (full names of two or
    more words found in ``text``), plus labelled user names."""
    lex = lex or lexicon()
    out = [
        NameSpan(m.start("t"), m.end("t"), DERIVED_SCORE)
        for m in _LABELLED.finditer(text)
        if m.group("t") not in STOP_WORDS
    ]
    out += [
        NameSpan(m.start("t"), m.end("t"), DERIVED_SCORE)
        for m in _ACTOR.finditer(text)
        if _login_shaped(m.group("t"), lex)
    ]
    for m in _WORK_NOTE.finditer(text):
        group = "t" if m.group("t") else "a"
        if _login_shaped(m.group(group), lex):
            out.append(NameSpan(m.start(group), m.end(group), DERIVED_SCORE))
    if names:
        out += [
            NameSpan(m.start("t"), m.end("t"), DERIVED_SCORE)
            for m in _LOGIN.finditer(text)
            if _name_login(m.group("a"), m.group("b"), lex)
        ]
    forms: set[str] = set()
    given_words: set[str] = set()
    whole_words: set[str] = set()
    for name in set(names):
        given, surnames = _parts(name)
        if not given:
            continue
        forms |= _derived_forms(given, surnames)
        given_words |= {g for g in given if len(g) >= 5}
        whole_words |= set(given) | set(surnames)
    if not forms and not given_words:
        return out
    for m in _TOKEN.finditer(text):
        token = m.group("t")
        if re.sub(r"\d+$", "", token) in forms:
            out.append(NameSpan(m.start("t"), m.end("t"), DERIVED_SCORE))
    surnames_alone = {w for w in whole_words - given_words if len(w) >= 5 and not _frequent(w, lex)}
    for m in _HOST.finditer(text.lower()):
        host = re.sub(r"\d+$", "", m.group("t"))
        if host in forms or host.replace("-", "") in forms or host in surnames_alone:
            out.append(NameSpan(m.start("t"), m.end("t"), DERIVED_SCORE))
    for m in _SLUG.finditer(text):
        slug = re.sub(r"[-_.]?\d+$", "", m.group("t"))
        words = re.split(r"[-_.]", slug)
        if len(words) >= 2 and all(w in whole_words for w in words):
            out.append(NameSpan(m.start("t"), m.end("t"), DERIVED_SCORE))
    for m in _CAPITALISED.finditer(text):
        word = fold_word(m.group("t"))
        if word in whole_words or len(word) < 3 or word in NOT_NAMES or word in STOP_WORDS:
            continue
        if not any(g.startswith(word) and len(word) < len(g) for g in given_words):
            continue
        info = lex.lookup(word)
        if info is not None and info.english_rank:
            continue  # "Heat" (Heather), "Mark" (Markus): words first
        out.append(NameSpan(m.start("t"), m.end("t"), DERIVED_SCORE))
    return out


def _frequent(word: str, lex: NameLexicon) -> bool:
    """A frequent English word (also when it is a name: "mark", "bell")."""
    if word in STOP_WORDS:
        return True
    forms = [word, word[:-1]] if word.endswith("s") and len(word) > 3 else [word]
    for form in forms:
        info = lex.lookup(form)
        if info is not None and 0 < info.english_rank <= COMMON_WORD_RANK:
            return True
    return False


# Accounts of systems and teams, not people.
_SYSTEM_ACCOUNTS: Final = frozenset(
    [
        "admin",
        "administrator",
        "root",
        "system",
        "sysadmin",
        "svc",
        "service",
        "bot",
        "jenkins",
        "nobody",
        "unassigned",
        "anonymous",
        "guest",
        "ops",
        "devops",
        "infra",
        "helpdesk",
        "servicedesk",
    ]
)


def _login_shaped(token: str, lex: NameLexicon) -> bool:
    """A person's login rather than a word or a system account ("nobody", "admin")."""
    parts = [p for p in re.split(r"[._-]", token) if len(p) > 1]
    return not any(_frequent(p, lex) or p in _SYSTEM_ACCOUNTS for p in parts)


def _name_login(given: str, surname: str, lex: NameLexicon) -> bool:
    """``given.surname`` of a one-separator login: a known given name or an initial, then a
    surname ("carolyn.bell", "ewelina.kulis", "g.smith", "l.clare-goulding"). An initial or
    a given name that is a frequent English word ("mark", "max") needs a known surname that
    is not one, so code ("x.shape", "f.close", "max.norm", "anna.data") is no login."""
    parts = surname.split("-")
    if len(surname) < 3 or any(p in NOT_NAMES or p in _SYSTEM_ACCOUNTS for p in parts):
        return False
    infos = [lex.lookup(p) for p in parts]
    known = any(i is not None and i.surname(max_rank=8000) for i in infos)
    if len(given) == 1 or _frequent(given, lex):
        return known and not any(_frequent(p, lex) for p in parts)
    g_info = lex.lookup(given)
    if len(given) < 3 or g_info is None or not g_info.given(max_rank=8000):
        return False
    return all(i is None or (not i.is_common_word and (known or not i.english_rank)) for i in infos)
