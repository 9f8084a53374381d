"""Context-based person-name recognition, run on each text after the batch spaCy pass.

The small spaCy model misses many names, reads names of other origins as places or
organisations, and reads product words as names. These rules use evidence in the same text
instead (no extra NLP pass, no per-text Presidio call), so a name counts whatever label the
model gave it:

* an e-mail local part (``first.last@``, ``first_last@``, ``f.last@``, ``first.l@``) names
  the person: "First Last", "First M. Last", "Last, First" and "F. Last" are marked;
* a name right before or after its e-mail address ("Anna Kovács (ak@x.org)");
* labels and salutations ("Patient:", "Landlord:", "First name:", "Ship to:" + next line,
  "Dear Ms. da Costa", "Thanks Anna,", sign-offs in several languages, "-- ");
* introductions ("my name is Rubija", "I'm ...", "you are chatting with ...");
* lists after "Attendees:", "The founders:", "Directors:", "founded in 1995 by ...";
* chat transcript speakers ("[10:02] Saul Reavy:");
* two-word names next to verbs and relations of people ("spoke with ...", "... lives at",
  "her husband ..."), names after titles ("Dr.", "Frau", "Sra.");
* a name opening a line whose rest or next line holds a contact identifier (street
  address, phone, e-mail): letter heads, CV headers, address and signature blocks;
* once a name is known from context, its other occurrences, its words standing alone
  ("Anna will send it"), and "Mr./Ms./Dr. Surname". Names the model alone found are not
  spread (a model mistake would spread through the text).

A "name" followed by a legal form ("Weber GmbH", "Rocha Fernandes S/A") is a company.
Model PERSON findings with digits, bare titles or label words ("Policyholder:") are dropped
(``clean_person_span``).

``NOT_PERSON`` lists technology and product words the NER model often tags as PERSON; PERSON
findings containing one of them are dropped. Deployments extend it with the policy's
``not_person`` list (names of their own products) or ``PresidioDetector(not_person=...)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from streams.compliance.lexicon import lexicon

PERSON = "PERSON"

EMAIL_NAME_SCORE: Final = 0.9
LABEL_SCORE: Final = 0.8
KNOWN_NAME_SCORE: Final = 0.8

# Technology and product words that are not people (compared case-insensitively, as a
# whole word or phrase of the finding). Keep it generic; add a deployment's own product
# names through the policy's ``not_person`` list.
NOT_PERSON: Final = frozenset(
    {
        "airflow",
        "ansible",
        "confluence",
        "datadog",
        "debezium",
        "docker",
        "elasticsearch",
        "firefox",
        "safari",
        "chrome",
        "chromium",
        "android",
        "linux",
        "ubuntu",
        "github",
        "gitlab",
        "grafana",
        "helm",
        "jenkins",
        "jira",
        "kafka",
        "kibana",
        "kubernetes",
        "navan",
        "okta",
        "opensearch",
        "pagerduty",
        "postgres",
        "postgresql",
        "prometheus",
        "redis",
        "salesforce",
        "servicenow",
        "slack",
        "snowflake",
        "terraform",
        "vault",
        "workday",
        "zendesk",
        "zoom",
        "zookeeper",
    }
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Capitalised words that follow labels such as "To:" or "Customer:" but are not names
# (teams, organisations, roles, greetings to groups).
_NOT_NAME_WORDS: Final = _words(
    "a account accounts admin all and associates bank board center centre clinic co "
    "committee company corp corporation council customer customers dear department "
    "dept desk employees engineering everyone finance foods gmbh group hello helpdesk "
    "hi hiring holdings hospital hr inc industries international it lab labs legal "
    "llc logistics ltd madam management manager managers marketing members n/a "
    "network none of office operations ops packaging partners payroll people platform "
    "results sales security service services sir solutions staff support systems tax "
    "tbd team teams technologies the tier university unknown users whom system bot "
    "assistant operator automated moderator spouse husband wife form gift"
)

# Role mailboxes: a local part made of these says nothing about a person.
_ROLE_LOCAL_PARTS: Final = _words(
    "accounts admin ap ar billing contact desk finance help helpdesk hr info it jobs "
    "legal mail no noreply ops payroll privacy reply sales security service support "
    "team"
)

_AP = "\u2019"  # right single quotation mark, as in O\u2019Brien
_UP = "A-ZÀ-ÖØ-ÞĀ-ŽȘȚ"
_LOW = "a-zß-öø-ÿā-žșț"
# One name word: "Anne", "O'Brien", "Ortega-Mills", "McKay", or an initial "M." / "M".
_WORD = (
    rf"(?:(?:Mc|Mac|O['{_AP}]|D['{_AP}])?[{_UP}][{_LOW}]+(?:['{_AP}-][{_UP}{_LOW}][{_LOW}]+)*"
    rf"(?:-[{_UP}]\.)?"
    rf"|[{_UP}]\.?(?=[ \t]+[{_UP}]))"
)
# Lower-case particles inside a name ("Frederique de Mol", "Maria da Silva").
_PARTICLE = r"(?:da|das|de|del|della|der|di|do|dos|du|van|von|den|ten|ter|la|le|bin|binti|al|y)"
_NAME_BODY = rf"{_WORD}(?:(?:[ \t]+{_PARTICLE}){{0,2}}[ \t]+{_WORD}){{0,4}}"
_NAME = rf"(?P<name>{_NAME_BODY})"
_TITLES = (
    r"(?:(?:Her|His)[ \t]+Honou?r[ \t]+)?"
    r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Frau|Mme|Mlle|Sr|Sra|Srta|Dott|Pan|Pani|Judge)\.?"
)
_HEADER_SEP = r"(?:\*\*|__)?[ \t]*[:|][ \t]*(?:\*\*|__)?[ \t]*"

# Labels whose value is usually a person; a colon or a table cell separates the value.
_COLON_LABELS = (
    r"name|full[ \t]+name|patient(?:[ \t]+name)?|employee(?:[ \t]+name)?|customer"
    r"|client|contact|requester|requestor|reported[ \t]+by|requested[ \t]+by"
    r"|submitted[ \t]+by|approved[ \t]+by|prepared[ \t]+by|reviewed[ \t]+by|signed[ \t]+by"
    r"|(?:electronically[ \t]+)?signed|assigned[ \t]+to|from|to|cc|bcc|attn|attention"
    r"|(?:ordering|attending|referring)?[ \t]*(?:provider|physician)|doctor|nurse"
    r"|manager|supervisor|(?:hr[ \t]+)?business[ \t]+partner|caller|applicant|candidate"
    r"|beneficiary|guarantor|emergency[ \t]+contact|next[ \t]+of[ \t]+kin"
    r"|analyst|author|owner|account[ \t]+holder|card[ \t]*holder|name[ \t]+on[ \t]+card"
    r"|landlord|tenant|lessor|lessee|policy[ \t]*holder|insured|claimant|witness"
    r"|passenger(?:[ \t]+\d{1,2})?|traveller|traveler|guest|student|pupil|parent|guardian"
    r"|teacher|employee|recipient|sender|addressee|consignee|shipper|buyer|seller|payee"
    r"|payer|agent|representative|technician|driver|host|organi[sz]er|chair|chairperson"
    r"|secretary|minute[ \t]+taker|note[ \t]+taker|interviewer|interviewee|referee"
    r"|mentor|approver|reviewer|assignee|spouse|partner|deceased|director|founder"
    r"|sponsor|signatory|affected[ \t]+user|user[ \t]+name|customer[ \t]+name"
    r"|contact[ \t]+person|press[ \t]+contact|resident|occupant|borrower|debtor"
    r"|attorney|solicitor|physician|dentist|therapist|caregiver|speaker|presenter"
    r"|moderator|attendee|registrant|member|holder|ship[ \t]+to|bill[ \t]+to"
    r"|deliver[ \t]+to|invoice[ \t]+to|billing[ \t]+name|account[ \t]+name|re"
    r"|(?:new[ \t]+)?starter|new[ \t]+hire|joiner|leaver|buddy|coach|trainer|instructor"
    r"|tutor|player|child|son|daughter|mother|father|husband|wife|nominee|executor"
    r"|trustee|delegate|participant|volunteer|judge|inspector|auditor|registrar"
    r"|celebrant|officiant|bride|groom|godparent|captain|headteacher|principal"
    r"|line[ \t]+manager|hiring[ \t]+manager|case[ \t]+handler|case[ \t]+worker"
    r"|caseworker|key[ \t]+worker|social[ \t]+worker|consultant|surgeon|midwife"
)
# Labels whose value is one part of a name ("First name: Tomomi").
_PART_LABELS = re.compile(
    r"(?<![\w-])(?i:first[ \t]+name|given[ \t]+names?|forename|last[ \t]+name|surname"
    r"|family[ \t]+name|middle[ \t]+name|maiden[ \t]+name|nickname|preferred[ \t]+name"
    r"|known[ \t]+as|goes[ \t]+by|call[ \t]+name)"
    rf"{_HEADER_SEP}{_NAME}(?![\w@])"
)
# A person label and its separator ("Employee: ", "| Tenant | ").
_PERSON_LABEL = rf"(?<![\w-])(?i:{_COLON_LABELS}){_HEADER_SEP}"
_LABELLED = re.compile(rf"{_PERSON_LABEL}{_NAME}(?![\w@])")
# The same labels with "Surname, Given" ("Student: Rosas, Berta    Form: 8M"), up to the end
# of the cell: a line end, a tab or two spaces, a bar or a semicolon.
_LABELLED_INVERTED = re.compile(
    rf"{_PERSON_LABEL}"
    rf"(?P<name>{_WORD}(?:-{_WORD})?,[ \t]{{1,2}}{_WORD}(?:[ \t]{_WORD})?)"
    r"(?=[ \t]*(?:$|\r?\n|\t|  |\||;))",
    re.MULTILINE,
)
# "Ship to:" / "Bill to:" / "Patient:" with the name on the next line.
_BLOCK_LABELLED = re.compile(
    r"(?<![\w-])(?i:ship[ \t]+to|bill[ \t]+to|billing[ \t]+address|shipping[ \t]+address"
    r"|delivery[ \t]+address|deliver[ \t]+to|invoice[ \t]+to|postal[ \t]+address|address"
    r"|sender|recipient|consignee|customer|patient|from|to|attn|attention)[ \t]*:?[ \t]*\r?\n"
    rf"[ \t]*(?:{_TITLES}[ \t]+)?{_NAME}[ \t]*(?=\r?\n|$|,)",
    re.MULTILINE,
)
_BY_LABELLED = re.compile(
    r"(?<![\w-])(?i:(?:reported|requested|submitted|approved|prepared|reviewed|signed"
    r"|directed|written|produced|composed|performed|hosted|presented|narrated|edited)"
    rf"[ \t]+by[ \t]*:?|assigned[ \t]+to|attn\.?|patient)[ \t]+{_NAME}(?![\w@])"
)
_SALUTATION = re.compile(
    rf"(?<![\w-])(?:Dear|Hi|Hello|Hey|Good[ \t]+(?:morning|afternoon|evening)"
    rf"|Thanks|Thank[ \t]+you|Cheers)[ \t]+(?:{_TITLES}[ \t]+)?"
    rf"(?P<name>(?:{_PARTICLE}[ \t]+)?{_NAME_BODY})"
    r"(?=[ \t]*(?:[,:;!.]|$))",
    re.MULTILINE,
)
_SIGN_OFF = re.compile(
    r"(?<![\w-])(?:(?i:regards|sincerely|faithfully|truly|signed|respectfully|cordially"
    r"|grüßen|grüße|cordialement|atentamente|saludos|saluti|atenciosamente|pozdrawiam"
    r"|groet|groeten|üdvözlettel|hälsningar|hälsning|terveisin|pozdravem)[ \t]*[,!.]?"
    r"|(?i:best|best[ \t]+wishes|warm[ \t]+wishes|thanks|many[ \t]+thanks|thank[ \t]+you"
    r"|cheers|love|take[ \t]+care)[ \t]*[,!]|^[ \t]*(?:--|\u2014|\u2013)[ \t]*)[ \t]*\r?\n"
    rf"(?:[ \t]*\r?\n)?[ \t]*(?:{_TITLES}[ \t]+)?{_NAME}[ \t]*(?=\r?\n|$|,)",
    re.MULTILINE,
)
# "-- Anna" closing a message on one line.
_DASH_SIGN_OFF = re.compile(
    rf"^[ \t]*(?:--|\u2014|\u2013|~)[ \t]*(?:{_TITLES}[ \t]+)?{_NAME}[ \t]*\.?[ \t]*$",
    re.MULTILINE,
)
_DISPLAY_NAME = re.compile(rf"(?<![\w-]){_NAME}[ \t]*<(?P<local>[\w.+-]+)@[\w.-]+\.[A-Za-z]{{2,}}>")
_EMAIL = re.compile(r"(?<![\w.+-])(?P<local>[A-Za-z][\w.+-]*)@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True, slots=True)
class NameSpan:
    """A PERSON span found from context."""

    start: int
    end: int
    score: float


def fold(text: str) -> str:
    """``text`` with diacritics removed, one character for one (offsets are kept)."""
    return "".join(unicodedata.normalize("NFD", c)[0] if ord(c) > 127 else c for c in text)


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[ \t]+", name.strip()) if t]


_PARTICLES: Final = _words(
    "da das de del della der di do dos du van von den ten ter la le bin binti al y"
    # "Martin v. Löwis", "Siobhán Ní Bhriain", "Ahmad ibn Said", "Karl zu Guttenberg"
    " v. vd v.d. ní nic ibn bint zu af dal dalla dei degli delle"
)
# The particles as a regular-expression alternation, longest first ("v.d." before "v.").
PARTICLE_PATTERN: Final = "|".join(re.escape(p) for p in sorted(_PARTICLES, key=len, reverse=True))


def looks_like_name(name: str, *, min_words: int = 2) -> bool:
    """Capitalised words, none a team/organisation/role word, enough full (non-initial) words."""
    words = [w for w in _tokens(name) if w not in _PARTICLES]
    full = [w for w in words if len(w.rstrip(".")) > 1]
    if len(full) < min_words or len(words) > 5:
        return False
    if any(w.lower().rstrip(".") in _NOT_NAME_WORDS for w in full):
        return False
    lowered = {w.lower() for w in words}
    listed = lowered & NOT_PERSON
    return not listed or _with_given_name(lowered - listed)


def _flex(letters: str) -> str:
    """Regex matching ``letters`` with optional hyphens/apostrophes/spaces between them."""
    return rf"['{_AP} -]?".join(re.escape(c) for c in letters)


@lru_cache(maxsize=4096)
def _email_name_patterns(local: str) -> list[re.Pattern[str]]:
    """Patterns (on folded text, case-insensitive) for the names an e-mail local part implies."""
    base = local.split("+", 1)[0].lower()
    parts = [p for p in re.split(r"[._-]+", base) if p and not p.isdigit()]
    parts = [re.sub(r"\d+$", "", p) for p in parts]
    if len(parts) == 3 and len(parts[1]) == 1:  # first.m.last
        parts = [parts[0], parts[2]]
    if len(parts) != 2 or any(p in _ROLE_LOCAL_PARTS for p in parts) or not all(parts):
        return []
    first, last = parts
    if len(first) == 1 and len(last) == 1:
        return []
    middle = r"(?:[ \t]+[A-Za-z]\.?)?"
    if len(last) == 1:  # tomasz.w -> "Tomasz W..."
        surname = rf"{re.escape(last)}[\w'{_AP}]+(?:-[^\W\d_][\w'{_AP}]*)*"
    elif len(last) <= 3:  # marcus.dw -> "Delgado-Whitfield" (initials), or a short surname
        initials = rf"[\w'{_AP}]*-".join(re.escape(c) for c in last) + rf"[\w'{_AP}]*"
        surname = rf"(?:{_flex(last)}(?:-[^\W\d_][\w'{_AP}]*)?|{initials})"
    else:
        surname = rf"{_flex(last)}(?:-[^\W\d_][\w'{_AP}]*)?"
    given = rf"{re.escape(first)}[\w'{_AP}]*" if len(first) == 1 else _flex(first)
    pats = [
        rf"\b{given}{middle}[ \t]+{surname}\b",
        rf"\b{surname},[ \t]*{given}\b",
    ]
    if len(first) > 1:
        pats.append(rf"\b{re.escape(first[0])}\.[ \t]*{surname}\b")
    else:
        pats.append(rf"\b{re.escape(first)}\.[ \t]*{surname}\b")
    return [re.compile(p, re.IGNORECASE) for p in pats]


def _capitalised(text: str, start: int, end: int) -> bool:
    """Every word of ``text[start:end]`` starts with a capital letter."""
    return all(w[0].isupper() for w in re.findall(rf"[^\W\d_][\w'{_AP}.-]*", text[start:end]))


def email_names(text: str, folded: str | None = None) -> list[NameSpan]:
    """Names implied by the e-mail addresses of the same text."""
    folded = fold(text) if folded is None else folded
    out: list[NameSpan] = []
    locals_seen = {m.group("local") for m in _EMAIL.finditer(text)}
    for local in sorted(locals_seen):
        for pattern in _email_name_patterns(local):
            for m in pattern.finditer(folded):
                if _capitalised(text, m.start(), m.end()):
                    out.append(NameSpan(m.start(), m.end(), EMAIL_NAME_SCORE))
    return out


def _name_span(m: re.Match[str], text: str, min_words: int) -> NameSpan | None:
    name = m.group("name")
    start = m.start("name")
    # A tab or two spaces end a name (the next column: "Line  Description    Amount").
    name = re.split(r"\t|  ", name, maxsplit=1)[0]
    # An initial is only part of a name when a full word follows it.
    words = _tokens(name)
    while words and len(words[-1].rstrip(".")) == 1:
        words.pop()
    if not words:
        return None
    end = start + text[start:].find(words[-1]) + len(words[-1])
    candidate = text[start:end]
    if not looks_like_name(candidate, min_words=min_words):
        return None
    return NameSpan(start, end, LABEL_SCORE)


def labelled_names(text: str) -> list[NameSpan]:
    """Names after person labels, salutations and sign-offs, and before ``<e-mail>``."""
    out: list[NameSpan] = []
    for regex in (_LABELLED, _BY_LABELLED, _BLOCK_LABELLED):
        for m in regex.finditer(text):
            if (span := _name_span(m, text, 2)) is not None:
                out.append(span)
    for m in _LABELLED_INVERTED.finditer(text):
        given = m.group("name").split(",", 1)[1].split()
        if looks_like_name(m.group("name").replace(",", " ")) and _with_given_name(
            [given[0].lower()]
        ):
            out.append(NameSpan(m.start("name"), m.end("name"), LABEL_SCORE))
    for regex in (_SALUTATION, _SIGN_OFF, _DASH_SIGN_OFF, _PART_LABELS):
        for m in regex.finditer(text):
            if (span := _name_span(m, text, 1)) is not None:
                out.append(span)
    for m in _DISPLAY_NAME.finditer(text):
        if m.group("local").lower() in _ROLE_LOCAL_PARTS:
            continue
        if (span := _name_span(m, text, 2)) is not None:
            out.append(span)
    return out


# -- more context: introductions, lists, chat speakers, verbs, titles, contact blocks ---

_INTRO = re.compile(
    r"(?<![\w-])(?i:my[ \t]+name[ \t]+is|my[ \t]+name's|name's|i[ \t]+am|i'm|i\u2019m|this[ \t]+is"
    r"|call[ \t]+me|chatting[ \t]+with|speaking[ \t]+with|you[ \t]+are[ \t]+talking[ \t]+to"
    r"|it's|it\u2019s|it[ \t]+is)"
    rf"[ \t]+{_NAME}(?![\w@])"
)
# Words that follow "I am" / "this is" capitalised but are not names.
_NOT_INTRO: Final = _words(
    "a an the sorry glad happy sure afraid here not also writing looking interested new "
    "available unable able calling contacting reaching following just still very so back "
    "urgent regarding about from with in on at"
)
_LIST_LABELS = (
    r"attendees|attendance|present|participants|apologies|absent|invitees|guests|speakers"
    r"|panelists|panellists|authors|co-authors|founders|co-founders|directors|board"
    r"|board[ \t]+members|members|signatories|witnesses|owners|team[ \t]+members|recipients"
    r"|reviewers|approvers|interviewers|candidates|applicants|tenants|passengers|travellers"
    r"|travelers|students|pupils|children|heirs|beneficiaries|partners|contacts|staff"
    r"|cc|bcc|to|present[ \t]+were|in[ \t]+attendance"
)
_LIST_START = re.compile(
    rf"(?<![\w-])(?:(?:the|our|their)[ \t]+)?(?i:{_LIST_LABELS})[ \t]*(?:\([^)\n]*\))?"
    r"[ \t]*(?::|\||-(?=[ \t]))[ \t]*(?P<rest>[^\n]*(?:\n[ \t]*[-*•·][ \t]+[^\n]*)*)"
)
_BY_LIST = re.compile(
    r"(?<![\w-])(?i:(?:founded|co-founded|written|authored|created|started|established"
    r"|signed|organi[sz]ed|chaired|presented|hosted|attended|led|run|owned|reviewed"
    r"|approved|prepared)(?:[ \t]+in[ \t]+\d{4})?[ \t]+by)[ \t]+"
    r"(?P<rest>(?:[^\n.;]|(?<=\b[A-Z])\.)*)"
)
_ITEM_SPLIT = re.compile(
    r"[ \t]*(?:,|;|\n[ \t]*[-*•·]?|&|\band\b|\bund\b|\bet\b|\by\b|\be\b)[ \t]*"
)
_ITEM_NAME = re.compile(rf"[ \t]*(?:[-*•·][ \t]*)?(?:{_TITLES}[ \t]+)?(?P<name>{_NAME_BODY})")
# A chat transcript speaker: "[10:02] Anna Kovács:", "10:02 Anna:", "(10:02) <Anna>:",
# "12/03/2024, 21:14 - Anna Kovács:" (any prefix holding a time), or a bare "Anna:" that
# opens two or more lines.
_CHAT = re.compile(
    r"^[ \t]*(?:\[[^\]\n]{1,25}\]|[^\n:]{0,24}?\b\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\)?"
    r"(?:[ \t]*[AaPp][Mm])?[ \t]*[-\u2013\]|>)]?)"
    rf"[ \t]*<?{_NAME}>?[ \t]*:",
    re.MULTILINE,
)
_SPEAKER = re.compile(rf"^[ \t]*<?{_NAME}>?[ \t]*:(?![ \t]*$)", re.MULTILINE)
# Slack/Teams exports: the speaker's line is the name (or a handle) and the time only.
_SPEAKER_TIME = re.compile(
    rf"^[ \t]*(?:{_NAME}|(?P<handle>[a-z][a-z0-9._-]{{1,30}}[a-z0-9]))"
    r"(?:[ \t]+\([^)\n]{1,30}\))?[ \t]{1,4}\[?\d{1,2}:\d{2}(?:[ \t]?[AaPp][Mm])?\]?[ \t]*$",
    re.MULTILINE,
)
_VERB_BEFORE = re.compile(
    r"(?<![\w-])(?i:spoke[ \t]+(?:with|to)|spoken[ \t]+(?:with|to)|talked[ \t]+(?:with|to)"
    r"|met[ \t]+with|met|meeting[ \t]+with|called|phoned|rang|emailed|e-mailed|texted"
    r"|messaged|contacted|visited|interviewed|thanked|told|informed|reminded|invited|hired"
    r"|introduced|on[ \t]+behalf[ \t]+of|according[ \t]+to|confirmed[ \t]+by|sent[ \t]+by"
    r"|between|manager|boss|witness|patient|client|customer|account[ \t]+holder"
    r"|card[ \t]*holder|policy[ \t]*holder|holder|beneficiary|payee|guest|passenger|driver"
    r"|suspect|victim|applicant|candidate|employee|member|resident|owner|identified[ \t]+as"
    r"|named|called[ \t]+by|said|says|asked|asks|shouted|yelled|whispered|replied"
    r"|(?:said|spoke|wrote|replied|shouted|yelled|turned|waved|smiled|pointed|looked)"
    r"[ \t]+(?:to|at)|maiden[ \t]+name(?:[ \t]+(?:is|was))?|(?:name|surname)[ \t]+(?:is|was)"
    r"|(?:partner|wife|husband|mother|father)['\u2019]s[ \t]+name"
    r"|(?:not|written|directed|produced|composed|authored|performed|sung|narrated|illustrated"
    r"|photographed|painted)[ \t]+by)"
    rf"[ \t]+(?:{_TITLES}[ \t]+)?{_NAME}(?![\w@])"
)
# Kinship and social relations name one person, even by a single name ("her daughter
# Ana", "our landlord, Jan Nowak", "wife of the late Piotr Nowak").
_RELATION = re.compile(
    r"(?<![\w-])(?i:(?:late[ \t]+)?(?:wife|husband|partner|spouse|son|daughter|child|mother"
    r"|father|mum|mom|dad|brother|sister|cousin|uncle|aunt|auntie|nephew|niece|grandson"
    r"|granddaughter|grandmother|grandfather|grandma|grandpa|granny|widow|widower|fiancé"
    r"|fiancée|fiance|fiancee|friend|neighbour|neighbor|colleague|flatmate|roommate"
    r"|housemate|landlord|landlady|tenant|caretaker|lodger|boyfriend|girlfriend|stepson"
    r"|stepdaughter|carer|nanny)(?:[ \t]+of(?:[ \t]+the[ \t]+late)?)?)[ \t]*,?[ \t]+"
    rf"(?:{_TITLES}[ \t]+)?{_NAME}(?![\w@])"
)
# Kinship followed by a list ("parent of Ana, Rui and Eva", "survived by ...").
_RELATION_LIST = re.compile(
    r"(?<![\w-])(?i:(?:parent|parents|mother|father|grandparent|grandmother|grandfather)"
    r"[ \t]+of|survived[ \t]+by|children|grandchildren|siblings|sons|daughters)[ \t]*:?"
    r"[ \t]+(?P<rest>(?:[^\n.;]|(?<=\b[A-Z])\.)*)"
)
# "Anna Kovács, 84, of Leeds" / "Anna Kovács, aged 34,"
_AGED = re.compile(rf"(?<![\w-]){_NAME},[ \t]*(?:aged[ \t]+)?\d{{1,3}}[ \t]*(?:,|\))")
_VERB_AFTER = re.compile(
    rf"(?<![\w-]){_NAME}[ \t]+(?:(?:will|would|can|could|should|has|had|did|does)[ \t]+"
    r"(?:not[ \t]+)?)?(?:said|says|wrote|writes|called|calls|rang|phoned|emailed|e-mailed"
    r"|asked|told|confirmed|reported|reports|mentioned|explained|noted|agreed|complained"
    r"|requested|presented|proposed|suggested|raised|lives|lived|works|worked|joined|left"
    r"|moved|was[ \t]+born|is[ \t]+a|was[ \t]+a|sign|signed|share|shared|send|sent|attend"
    r"|attended|cannot|can't|could[ \t]+not|wants|needs|needed|wanted|did|called|replied"
    r"|answered|responded|visited|arrived|paid|ordered|booked|cancelled|canceled"
    r"|received|returned|contacted|rang|resides|resided|residing|died|passed[ \t]+away"
    r"|plays|played|shouted|ran|stayed|stays|drove|drives|owns|owned|rents|rented|signs"
    r"|telephoned|texted|messaged|heard|explains|insists|insisted|denies|denied|admitted"
    r"|recalls|recalled|remembers|remembered|thinks|thought|feels|felt|believes|believed"
    r"|upstairs|downstairs|next[ \t]+door)(?![\w-])"
)
# Verbs that only people do, before or after a single name.
_SPEECH_VERBS = (
    r"said|says|asked|asks|told|shouted|yelled|whispered|replied|answered|explained"
    r"|insisted|admitted|recalled|recalls|laughed|smiled|sighed|nodded|cried|screamed"
)
_SPEECH_BEFORE = re.compile(
    rf"(?<![\w-])(?i:(?:{_SPEECH_VERBS})(?:[ \t]+(?:to|at))?"
    r"|(?:spoke|talked|turned|waved|pointed|looked)[ \t]+(?:to|at|with)"
    r"|maiden[ \t]+name(?:[ \t]+(?:is|was))?|(?:first[ \t]+|last[ \t]+|sur)?name[ \t]+(?:is|was)"
    r"|(?:partner|wife|husband|mother|father)['\u2019]s[ \t]+name|interviewed|thanked"
    r"|phoned|texted|emailed|e-mailed|hugged|kissed|married|divorced)"
    rf"[ \t]+{_NAME}(?![\w@])"
)
# A person's role right before their name ("tennis player Tihomila Crnić").
_ROLE_BEFORE = re.compile(
    r"(?<![\w-])(?i:player|singer|actor|actress|artist|writer|author|novelist|poet"
    r"|journalist|reporter|photographer|coach|striker|goalkeeper|athlete|minister|senator"
    r"|chairman|chairwoman|spokesman|spokeswoman|spokesperson|co-founder|founder|lecturer"
    r"|teacher|nurse|surgeon|lawyer|attorney|detective|inspector|sergeant|pupil|student)"
    rf"[ \t]+{_NAME}(?![\w@])"
)
# A name addressed at the start of a line or sentence ("Polycarp, can I please speak to").
_VOCATIVE = re.compile(
    rf"(?:^|(?<=[.!?][ \t]))[ \t]*{_NAME},[ \t]+(?=(?:can|could|would|will|please|do|did"
    r"|are|is|have|has|I|you|we|thanks|thank|sorry|here|let|may|should)\b)",
    re.MULTILINE,
)
_SPEECH_AFTER = re.compile(
    rf"(?<![\w-]){_NAME}[ \t]+(?:(?:{_SPEECH_VERBS})|was[ \t]+born|died|passed[ \t]+away)"
    r"(?![\w-])"
)
_TITLED = re.compile(
    rf"(?<![\w-])(?:{_TITLES}|(?:mr|mrs|ms|dr|prof)\.)[ \t]+"
    rf"(?P<name>(?:{_PARTICLE}[ \t]+)?{_NAME_BODY})(?![\w@])"
)
# A name right before or after its e-mail address: "Anna Kovács (anna@x.org)",
# "Anna Kovács - anna@x.org", "anna@x.org (Anna Kovács)".
_NAME_EMAIL = re.compile(
    rf"(?<![\w-]){_NAME}[ \t]*(?:\(|\[|,|-|\u2013|\u2014|\||/)[ \t]*(?:mailto:)?"
    r"[\w.+=-]+@[\w-]+(?:\.[\w-]+)+"
)
_EMAIL_NAME = re.compile(rf"[\w.+=-]+@[\w-]+(?:\.[\w-]+)+[ \t]*\([ \t]*{_NAME}[ \t]*\)")
# Legal forms: a "name" followed by one of these is a company ("Weber GmbH").
_LEGAL_FORM = re.compile(
    r"[ \t,]*(?:&[ \t]*(?:Co|Sons|Söhne|Partners|Associates)\b|and[ \t]+Sons\b|e[ \t]+figli"
    r"|e[ \t]+Filhos|y[ \t]+Asociados|(?:GmbH|AG|KG|OG|SE|SARL|SAS|SA|S\.A\.?|S\.L\.|SL|SpA|SPA"
    r"|Sp\.[ \t]*[jkp]\.|Sp\.[ \t]*z|S\.C\.|S/A|A\.C\.|S\.Com|SCS|SRL"
    r"|S\.p\.A\.|s\.r\.l\.|srl|S\.r\.l\.|Ltd|Limited|LLC|LLP|Inc|PLC|plc|Corp|BV|B\.V\.|NV"
    r"|N\.V\.|Oy|AB|ApS|A/S|AS|Kft|Zrt|Nyrt|Bt|Kht|s\.r\.o\.|a\.s\.|k\.s\.|sp\.[ \t]*z[ \t]*o\.o\."
    r"|S\.A\.S\.|e\.G\.|e\.V\.|Group|Holdings|Pty|ME|EIRELI|Ltda|S\.C\.|SCS|SRL|SCA|Tmi"
    r"|Osk|Ky|Oyj)\b)"
)
# Capitalised words that start sentences or headings too often to be spread as names.
_COMMON_CAPITALISED: Final = _words(
    "will may mark bill grant hope rose june april august summer dawn faith joy grace sky "
    "ray jack frank lane street park hill wood field rich young king price long page ward "
    "bell hall may love rich gay sunny holly ivy lily daisy crystal amber ruby pearl "
    "the this that these those there here and but for with from into about after before "
    "when where what which while who whom why how our your their his her its not all any "
    "new old good great best first last next final please thanks thank dear hello hi hey "
    "monday tuesday wednesday thursday friday saturday sunday january february march july "
    "september october november december today tomorrow yesterday mr mrs ms dr prof sir "
    "madam team support sales office account order invoice ticket case note notes update "
    "action item items summary subject re fw fwd date time phone email address street city "
    "country total amount price paid card bank name patient customer client user admin "
    "manager director"
)


def _spans_of(regex: re.Pattern[str], text: str, min_words: int) -> list[NameSpan]:
    out = []
    for m in regex.finditer(text):
        if (span := _name_span(m, text, min_words)) is not None:
            out.append(span)
    return out


def intro_names(text: str) -> list[NameSpan]:
    """ "My name is Rubija", "I'm Tomomi Nishiyama", "you are chatting with Anna"."""
    out = []
    for m in _INTRO.finditer(text):
        first = _tokens(m.group("name"))[0].lower()
        if first in _NOT_INTRO or first in _COMMON_CAPITALISED:
            continue
        if (span := _name_span(m, text, 1)) is not None:
            out.append(span)
    return out


# A person followed by their role on the same line: profiles, signatures, speaker and
# staff lists ("Zilmil Sheth · Head of Procurement at Club Carrillo", "Ana Ruiz - CTO").
_ROLE_WORDS = (
    r"head|director|manager|engineer|developer|lead|owner|officer|analyst|consultant"
    r"|founder|co-founder|ceo|cto|cfo|coo|cio|ciso|president|vp|professor|lecturer"
    r"|researcher|scientist|designer|architect|specialist|coordinator|administrator"
    r"|assistant|associate|partner|counsel|attorney|nurse|physician|editor|writer"
    r"|journalist|recruiter|intern|master|chair|secretary|treasurer|advis[eo]r|strategist"
    r"|planner|technician|accountant|controller|auditor|surgeon|teacher|librarian"
)
_ROLE_LINE = re.compile(
    rf"^[ \t]*(?:{_TITLES}[ \t]+)?{_NAME}[ \t]*(?:\u00b7|\u2022|\u2013|\u2014|\||[ \t]-)[ \t]*"
    rf"(?=[^\n]{{0,40}}?\b(?i:{_ROLE_WORDS})s?\b|[^\n]{{0,60}}?[ \t]at[ \t]+[{_UP}])",
    re.MULTILINE,
)


# Name forms of records and systems that the capitalised-word rules miss:
# a name part in capitals or led by a particle after its label ("Surname: HAKIM",
# "Last name: van Wijk"); "SURNAME Given" after a person label ("Patient: NASYIDAH
# Cakrajiya"); a directory or calendar common name ("CN=Ebba af Pettersson;",
# "CN=Jan Nowak,OU=Staff"); an airline record "SURNAME/GIVEN MR".
_CAPS_WORD = rf"[{_UP}]{{2,}}(?:['{_AP}-][{_UP}]{{2,}})*"
_PART_CAPS = re.compile(
    r"(?<![\w-])(?i:last[ \t]+name|surname|family[ \t]+name|maiden[ \t]+name)"
    rf"{_HEADER_SEP}(?P<name>{_CAPS_WORD}(?:[ \t]+{_CAPS_WORD})?"
    rf"|(?:{_PARTICLE}[ \t]+){{1,2}}{_WORD})(?=[ \t]*(?:$|\r?\n|\t|  |\||;|,))",
    re.MULTILINE,
)
_LABELLED_CAPS = re.compile(
    rf"{_PERSON_LABEL}"
    rf"(?P<name>{_CAPS_WORD}(?:[ \t]+{_CAPS_WORD})?[ \t]+{_WORD}(?:[ \t]+{_WORD})?)"
    r"(?=[ \t]*(?:$|\r?\n|\t|  |\||;|,|\())",
    re.MULTILINE,
)
_COMMON_NAME = re.compile(r"(?<![\w-])CN=(?P<name>[^;:,=\n\"<>]{3,60}?)(?=[ \t]*(?:[;:,\n\"]|$))")
_PNR_NAME = re.compile(
    rf"(?<![\w/-])(?P<name>{_CAPS_WORD}/{_CAPS_WORD}(?:[ \t]{_CAPS_WORD})?)"
    r"(?=[ \t]+(?:MR|MRS|MS|MISS|MSTR|DR|PROF)\b)"
)


def record_names(text: str) -> list[NameSpan]:
    """Names in the forms of records and systems (see the patterns above)."""
    out = [
        NameSpan(m.start("name"), m.end("name"), LABEL_SCORE)
        for regex in (_PART_CAPS, _PNR_NAME)
        for m in regex.finditer(text)
    ]
    for m in _LABELLED_CAPS.finditer(text):
        words = _tokens(m.group("name"))
        if _LEGAL_FORM.match(" " + words[-1]) or is_company(text, m.end("name")):
            continue  # "Customer: ACME Corp"
        given = [w for w in words if not w.isupper()]
        if looks_like_name(" ".join(w.title() for w in words)) and not _english_word(given[0]):
            out.append(NameSpan(m.start("name"), m.end("name"), LABEL_SCORE))
    for m in _COMMON_NAME.finditer(text):
        value = m.group("name").strip()
        if looks_like_name(value) and not any(c.isdigit() for c in value):
            out.append(NameSpan(m.start("name"), m.start("name") + len(value), LABEL_SCORE))
    return out


def role_line_names(text: str) -> list[NameSpan]:
    """A name opening a line and followed by a separator and a job title ("Zilmil Sheth ·
    Head of Procurement at Club Carrillo-Arreola", "Ana Ruiz - CTO")."""
    out = []
    for m in _ROLE_LINE.finditer(text):
        if (span := _name_span(m, text, 2)) is not None:
            out.append(span)
    return out


def list_names(text: str) -> list[NameSpan]:
    """Names in lists after "Attendees:", "The founders:", "founded by"... ("Kónya, Becker
    and Vasquez"): every item that is one to four capitalised words."""
    out: list[NameSpan] = []
    for regex in (_LIST_START, _BY_LIST, _RELATION_LIST):
        for m in regex.finditer(text):
            rest_start = m.start("rest")
            rest = m.group("rest")
            cursor = 0
            items: list[tuple[int, int]] = []
            for sep in _ITEM_SPLIT.finditer(rest):
                items.append((cursor, sep.start()))
                cursor = sep.end()
            items.append((cursor, len(rest)))
            for s, e in items:
                im = _ITEM_NAME.match(rest, s, e)
                if im is None:
                    continue
                span = _name_span(im, rest, 1)
                if span is None:
                    continue
                out.append(NameSpan(rest_start + span.start, rest_start + span.end, LABEL_SCORE))
    return out


# Column headers whose cells are people's names (CSV exports, Markdown and pipe tables).
_NAME_HEADER = re.compile(
    r"(?i)(?:full[ _]?)?name|first[ _]?name|last[ _]?name|surname|given[ _]?names?"
    r"|family[ _]?name|forename|customer(?:[ _]name)?|contact(?:[ _]name)?|employee"
    r"|guest|passenger|attendee|participant|member|tenant|patient|student|person"
    r"|(?:account[ _]?|card[ _]?)?holder|beneficiary|recipient|sender|owner|client"
)
_DELIMITERS = (",", ";", "\t", "|")
_CELL_NAME = re.compile(rf"(?:{_TITLES}[ \t]+)?{_NAME_BODY}(?:,[ \t]*{_NAME_BODY})?")


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line of ``text``, without its newline."""
    out = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _cells(line: str, offset: int, delimiter: str) -> list[tuple[int, int]]:
    """Cell spans of one delimited line (double quotes protect delimiters)."""
    out = []
    start = 0
    quoted = False
    for i, c in enumerate(line):
        if c == '"':
            quoted = not quoted
        elif c == delimiter and not quoted:
            out.append((offset + start, offset + i))
            start = i + 1
    out.append((offset + start, offset + len(line)))
    return out


def _strip_cell(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in ' \t"':
        start += 1
    while end > start and text[end - 1] in ' \t"':
        end -= 1
    return start, end


def table_names(text: str) -> list[NameSpan]:
    """Cells of name columns in delimited tables: a header line naming the column
    ("name", "customer", "guest"...), then rows with the same number of cells."""
    out: list[NameSpan] = []
    lines = line_spans(text)
    li = 0
    while li < len(lines):
        ls, le = lines[li]
        header = text[ls:le]
        found = False
        for delim in _DELIMITERS:
            if header.count(delim) < 1:
                continue
            cells = _cells(header, ls, delim)
            columns = [
                i
                for i, (s, e) in enumerate(cells)
                if _NAME_HEADER.fullmatch(text[slice(*_strip_cell(text, s, e))])
            ]
            if not columns:
                continue
            found = True
            row = li + 1
            while row < len(lines):
                rs, re_ = lines[row]
                if not text[rs:re_].strip() or text[rs:re_].count(delim) < 1:
                    break
                if re.fullmatch(r"[\s|:+-]*", text[rs:re_]):
                    row += 1  # a Markdown separator line
                    continue
                row_cells = _cells(text[rs:re_], rs, delim)
                if abs(len(row_cells) - len(cells)) > 1:
                    break
                for ci in columns:
                    if ci >= len(row_cells):
                        continue
                    s, e = _strip_cell(text, *row_cells[ci])
                    value = text[s:e]
                    m = _CELL_NAME.fullmatch(value)
                    if m is not None and looks_like_name(value.replace(",", " "), min_words=1):
                        out.append(NameSpan(s, e, LABEL_SCORE))
                row += 1
            li = row
            break
        if not found:
            li += 1
    return out


def chat_names(text: str) -> list[NameSpan]:
    """Speakers of a chat transcript: after a time stamp (a one-word speaker must speak
    twice: "09:00 - Welcome:" is an agenda), or a bare "Anna:" opening two or more lines."""
    out: list[NameSpan] = []
    by_name: dict[str, list[NameSpan]] = {}
    for regex in (_CHAT, _SPEAKER):
        for m in regex.finditer(text):
            span = _name_span(m, text, 1)
            if span is None:
                continue
            name = text[span.start : span.end]
            if name.lower() in _COMMON_CAPITALISED or name.lower() in _TITLE_WORDS:
                continue
            if regex is _CHAT and len(_tokens(name)) >= 2:
                out.append(span)
            else:
                by_name.setdefault(name, []).append(span)
    handles: list[NameSpan] = []
    for m in _SPEAKER_TIME.finditer(text):
        if m.group("handle"):
            handles.append(NameSpan(m.start("handle"), m.end("handle"), LABEL_SCORE))
        elif (span := _name_span(m, text, 1)) is not None:
            name = text[span.start : span.end]
            if name.lower() not in _COMMON_CAPITALISED and name.lower() not in _TITLE_WORDS:
                by_name.setdefault(name, []).append(span)
                if len(_tokens(name)) >= 2:
                    out.append(span)
    if len(handles) + sum(len(v) for v in by_name.values()) >= 2:
        out += handles  # a transcript: two or more speaker lines
    for spans in by_name.values():
        if len({s.start for s in spans}) >= 2:
            out += spans
    return out


def verb_names(text: str) -> list[NameSpan]:
    """Two-word names next to verbs of people ("spoke with Anna Kovács", "Lukas Brenner
    confirmed", "Ana Lima, 84,"), and names after kinship or social relations, one word
    is enough there ("her daughter Ana", "our landlord, Jan Nowak")."""
    out = _spans_of(_VERB_BEFORE, text, 2) + _spans_of(_VERB_AFTER, text, 2)
    out += _spans_of(_AGED, text, 2)
    # one word is enough next to the verbs of speech and of people, where the lexicon
    # says it is a name and no English word ("said Miłosław", "Dzhambek shouted at Iwao",
    # "says Wiśniewska", "her maiden name is Lavrentyev")
    # two words after a role, one of them a name the lexicon knows ("player Settings Menu"
    # is not)
    for m in _ROLE_BEFORE.finditer(text):
        span = _name_span(m, text, 2)
        if span is not None and _has_name_word(_tokens(text[span.start : span.end])):
            out.append(span)
    for regex in (_SPEECH_BEFORE, _SPEECH_AFTER, _VOCATIVE):
        for m in regex.finditer(text):
            words = _tokens(m.group("name"))
            if len(words) == 1 and _single_name(words[0]):
                out.append(NameSpan(m.start("name"), m.end("name"), LABEL_SCORE))
    for m in _RELATION.finditer(text):
        first = _tokens(m.group("name"))[0].lower()
        if first in _COMMON_CAPITALISED or first in _NOT_INTRO:
            continue
        if (span := _name_span(m, text, 1)) is not None:
            out.append(span)
    return out


def titled_names(text: str) -> list[NameSpan]:
    """ "Dr. Salimah Budiman", "Ms. Pedersen": the title and the name."""
    out = []
    for m in _TITLED.finditer(text):
        span = _name_span(m, text, 1)
        if span is not None:
            out.append(NameSpan(m.start(), span.end, LABEL_SCORE))
    return out


def email_adjacent_names(text: str) -> list[NameSpan]:
    """A name written right before or after an e-mail address."""
    return _spans_of(_NAME_EMAIL, text, 1) + _spans_of(_EMAIL_NAME, text, 1)


_LINE_NAME = re.compile(rf"[ \t]*(?:{_TITLES}[ \t]+)?{_NAME}[ \t]*(?=$|,|\||\(|<|\u2013|-[ \t])")


def contact_block_names(text: str, anchors: Sequence[tuple[int, int]]) -> list[NameSpan]:
    """A name that opens a line whose rest, or whose next line, holds a contact identifier
    (street address, phone, e-mail): letter heads, CV headers, address blocks, signature
    blocks and reference lists ("Jane Roe, Head of IT, Acme, +44 20 7946 0000")."""
    if not anchors:
        return []
    out: list[NameSpan] = []
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    ends = [*(i - 1 for i in starts[1:]), len(text)]
    for li, (ls, le) in enumerate(zip(starts, ends, strict=True)):
        m = _LINE_NAME.match(text, ls, le)
        if m is None:
            continue
        nxt_end = ends[li + 1] if li + 1 < len(ends) else le
        if not any(m.end() <= a < nxt_end + 1 for a, _ in anchors):
            continue
        if any(a <= m.start("name") < b for a, b in anchors):
            continue  # the line starts with the identifier itself
        if (span := _name_span(m, text, 1)) is not None:
            words = [w for w in _tokens(text[span.start : span.end]) if w not in _PARTICLES]
            if len(words) >= 2 or text[span.end : le].strip() == "":
                out.append(span)
    return out


_TITLE_WORDS: Final = _words(
    "mr mrs ms miss mx dr prof sir dame herr frau mme mlle sr sra srta dott pan pani "
    "madam landlord tenant patient customer client dear policyholder claimant witness "
    "passenger incident contact email e-mail subject flight sender recipient cardholder "
    "analyst requester caller reference expiry aadhaar attendees apologies directors "
    "bill cheers regards relations thanks best sincerely faithfully"
)


# A quotation or bracket ends a name; code characters mean it was never one ("R + Rj").
# Where a name ends: a quote or bracket, a tab or two spaces (the next column of a table).
_NAME_STOP = re.compile(r"[ \t]*[\"\u201c\u201d(\[]|\t|  ")
_CODE_CHARS = re.compile(r"[+=*/\\`<>|{}_~^$%]")


def clean_person_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A model's PERSON span cut to its first line, or None when it is no name at all:
    it holds a digit ("Claim CLM-2022-70834"), is only titles or role words ("Dr",
    "Landlord"), or is a company ("Weber GmbH")."""
    value = text[start:end]
    if "\n" in value:
        first = value.split("\n", 1)[0].rstrip()
        if not first.strip():
            return None
        end = start + len(first)
        value = first
    cut = _NAME_STOP.search(value)
    if cut:  # 'Stanton A. "Primer of Biostatistics', 'I. A. (Eds'
        value = value[: cut.start()].rstrip()
        end = start + len(value)
        if not value:
            return None
    if any(c.isdigit() for c in value) or _CODE_CHARS.search(value):
        return None
    line_start = text.rfind("\n", 0, start) + 1
    if (
        " " not in value.strip()
        and not text[line_start:start].strip()
        and re.match(r"[ \t]*(?:to[ \t]*)?:", text[end : end + 6])
    ):
        return None  # a label ("Policyholder:", "Bill to:")
    words = [w.lower().strip(".,") for w in _tokens(value)]
    if not words or all(w in _TITLE_WORDS or w in _NOT_NAME_WORDS for w in words):
        return None
    if is_company(text, end) or _LEGAL_FORM.match(" " + _tokens(value)[-1]):
        return None
    return start, end


def is_company(text: str, end: int) -> bool:
    """A legal form ("GmbH", "Ltd", "& Sons") follows position ``end``."""
    return bool(_LEGAL_FORM.match(text, end, min(len(text), end + 20)))


def spread_name_words(
    text: str, names: Iterable[str], taken: Sequence[tuple[int, int]]
) -> list[NameSpan]:
    """Each word (3+ letters) of a confirmed name where it stands alone elsewhere
    ("Anna" in "Anna will send it"), not inside a span already found, not a common
    capitalised word, and a capitalised word next to it when that one ends a sentence
    or starts one only if it is not common ("Kevin Ropero" after "Ms. Ropero")."""
    words = {
        w
        for name in names
        for w in _tokens(name)
        if len(w) >= 3
        and w[0].isupper()
        and w.lower() not in _COMMON_CAPITALISED
        and w.lower() not in _NOT_NAME_WORDS
        and w.lower() not in NOT_PERSON
    }
    if not words:
        return []
    alternatives = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    neighbour = rf"(?:{_WORD}[ \t]+)?"
    pattern = re.compile(rf"(?<![\w-]){neighbour}(?P<w>{alternatives})(?![\w-])")
    out = []
    ordered = sorted(taken)
    for m in pattern.finditer(text):
        start, end = m.start(), m.end()
        head = text[start : m.start("w")].strip()
        if head and (
            head.lower().rstrip(".") in _COMMON_CAPITALISED
            or head.lower() in _NOT_NAME_WORDS
            or len(head) < 2
        ):
            start = m.start("w")
        if any(a <= start and end <= b for a, b in ordered):
            continue
        if is_company(text, end):
            continue
        out.append(NameSpan(start, end, KNOWN_NAME_SCORE))
    return out


def known_name_occurrences(
    text: str, names: Iterable[str], surname_only: Iterable[str] = ()
) -> list[NameSpan]:
    """Every occurrence of each full name in ``names``, and the surname of each name in
    ``names`` or ``surname_only`` after Mr./Ms./Mrs./Dr."""
    out: list[NameSpan] = []
    full = set(names)
    for name in sorted(full | set(surname_only)):
        words = _tokens(name)
        if "\n" in name or len(words) < 2 or not looks_like_name(name):
            continue
        if name in full:
            flexible = r"[ \t]+".join(re.escape(w) for w in words)
            for m in re.finditer(rf"(?<![\w-]){flexible}(?![\w-])", text):
                out.append(NameSpan(m.start(), m.end(), KNOWN_NAME_SCORE))
        surname = words[-1]
        if len(surname) > 1:
            for m in re.finditer(rf"(?<![\w-]){_TITLES}[ \t]+{re.escape(surname)}(?![\w-])", text):
                out.append(NameSpan(m.start(), m.end(), KNOWN_NAME_SCORE))
    return out


def is_not_person(value: str, extra: frozenset[str] = frozenset()) -> bool:
    """True when a PERSON finding is, or contains, a listed technology/product word or phrase."""
    norm = " ".join(re.findall(rf"[\w'{_AP}.-]+", value.lower()))
    if not norm:
        return False
    words = set(norm.split())
    for entry in NOT_PERSON | extra:
        if entry == norm:
            return True
        if " " not in entry and entry in words:
            if not _with_given_name(words - {entry}):
                return True  # "Jenkins pipeline"; "Michelle Jenkins" is a person
            continue
        if " " in entry and re.search(rf"(?<!\w){re.escape(entry)}(?!\w)", norm):
            return True
    return False


def _english_word(word: str) -> bool:
    """An English word that is not a given name known in several countries ("Research")."""
    info = lexicon().lookup(word.lower())
    return info is not None and info.english_rank > 0 and not info.given(min_countries=3)


def _single_name(word: str) -> bool:
    """A capitalised word standing for a person by itself: a given name or a surname the
    lexicon knows and no everyday English word ("Iwao", "Wiśniewska"), or a word of four
    letters or more that no dictionary holds ("Dzhambek"); never a word like "Will"."""
    word = word.strip(".,;:")
    if len(word) < 3 or word.isupper() or word.lower() in _COMMON_CAPITALISED:
        return False
    lex = lexicon()
    info = lex.lookup(word)
    if info is None:
        return len(word) >= 4 and lex.unknown(word)
    return info.name_not_word()


def _has_name_word(words: Iterable[str]) -> bool:
    """One of ``words`` is a given name or a surname and no everyday English word."""
    lex = lexicon()
    return any(
        (info := lex.lookup(word.strip(".,"))) is not None and info.name_not_word()
        for word in words
    )


def _with_given_name(words: Iterable[str]) -> bool:
    """One of ``words`` is a given name known in several countries ("michelle")."""
    lex = lexicon()
    for word in words:
        info = lex.lookup(word.strip(".,"))
        if info is not None and info.given(min_countries=3) and not info.is_common_word:
            return True
    return False


def context_names(
    text: str,
    spans: Sequence[tuple[int, int]],
    anchors: Sequence[tuple[int, int]] = (),
    confirmed: Sequence[NameSpan] = (),
) -> list[NameSpan]:
    """PERSON spans from context, plus the other occurrences of the names they found.

    ``spans`` are PERSON spans found earlier (the NER pass), already filtered for
    ``NOT_PERSON``; ``anchors`` are spans of contact identifiers (e-mail, phone, street
    address) for the contact-block rule; ``confirmed`` are names found by other evidence
    (the name lexicon), treated like context names. Only names confirmed by context are
    propagated to their other occurrences, whole or word by word (NER mistakes such as a
    product name would otherwise spread through the text); NER names only lend their surname to
    "Mr./Ms./Dr. Surname".
    """
    folded = fold(text)
    found = (
        email_names(text, folded)
        + labelled_names(text)
        + intro_names(text)
        + list_names(text)
        + role_line_names(text)
        + record_names(text)
        + chat_names(text)
        + table_names(text)
        + verb_names(text)
        + titled_names(text)
        + email_adjacent_names(text)
        + contact_block_names(text, anchors)
        + list(confirmed)
    )
    found = [n for n in found if not is_company(text, n.end)]
    names = {_strip_title(text[n.start : n.end]) for n in found}
    ner_names = {text[s:e] for s, e in spans}
    best: dict[tuple[int, int], NameSpan] = {}
    for span in found + known_name_occurrences(text, names, ner_names):
        key = (span.start, span.end)
        if key not in best or span.score > best[key].score:
            best[key] = span
    spread = spread_name_words(text, names, [*best, *spans])
    for span in spread:
        best.setdefault((span.start, span.end), span)
    return [best[k] for k in sorted(best)]


def _strip_title(name: str) -> str:
    return re.sub(rf"^{_TITLES}[ \t]+", "", name)


def normalise_list(values: Iterable[str]) -> frozenset[str]:
    """A ``not_person`` list as compared: lower case, single spaces."""
    return frozenset(" ".join(v.lower().split()) for v in values if v.strip())
