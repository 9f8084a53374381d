"""Words that name a nationality, ethnicity, religion or political group (the NRP entity).

The small NER model labels "Gaussian", "Hermitian", "Boolean", "Nyquist" and "Parser" NORP;
redacting those damages technical text and protects nobody. Such groups are a closed class,
so an NRP finding is kept only when one of its words is listed here (with plural and
hyphenated forms: "Irish", "Afro-Brazilians", "Sunni Muslims"). Extend it in a deployment by
mapping more words to NRP with a custom recogniser.
"""

from __future__ import annotations

import re
from typing import Final

from spacy.lang.en.stop_words import STOP_WORDS

_NATIONALITIES = """
afghan albanian algerian american andorran angolan argentine argentinian armenian
australian austrian azerbaijani azeri bahamian bahraini bangladeshi barbadian belarusian
belgian belizean beninese bhutanese bolivian bosnian botswanan brazilian british briton
bruneian bulgarian burkinabe burmese burundian cambodian cameroonian canadian cape-verdean
chadian chilean chinese colombian comorian congolese costa-rican croatian cuban cypriot
czech danish djiboutian dominican dutch ecuadorian egyptian emirati english equatoguinean
eritrean estonian ethiopian fijian filipino finnish french gabonese gambian georgian german
ghanaian greek grenadian guatemalan guinean guyanese haitian honduran hungarian icelandic
indian indonesian iranian iraqi irish israeli italian ivorian jamaican japanese jordanian
kazakh kenyan kiribati korean kosovar kuwaiti kyrgyz lao laotian latvian lebanese liberian
libyan liechtensteiner lithuanian luxembourgish macedonian malagasy malawian malaysian
maldivian malian maltese marshallese mauritanian mauritian mexican micronesian moldovan
monegasque mongolian montenegrin moroccan mozambican namibian nauruan nepalese nepali
zealander nicaraguan nigerian nigerien norwegian omani pakistani palauan palestinian
panamanian papuan paraguayan peruvian polish portuguese qatari romanian russian rwandan
salvadoran samoan saudi scottish senegalese serbian seychellois singaporean slovak slovakian
slovenian somali south-african spanish sri-lankan sudanese surinamese swazi swedish swiss
syrian taiwanese tajik tanzanian thai togolese tongan trinidadian tunisian turkish turkmen
tuvaluan ugandan ukrainian uruguayan uzbek vanuatuan venezuelan vietnamese welsh yemeni
zambian zimbabwean european african asian latin latino latina latinx hispanic caribbean
arab arabian scandinavian nordic baltic balkan slavic anglo
"""
_PEOPLES = """
aboriginal indigenous inuit maori sami roma romani sinti kurdish kurd berber amazigh
tamil sikh punjabi bengali gujarati hindi urdu pashtun baloch hazara uyghur tibetan han
zulu xhosa yoruba igbo hausa fulani amhara oromo tigrayan tutsi hutu maasai kikuyu
catalan basque galician flemish walloon bavarian sicilian corsican breton cornish
afro black white caucasian mestizo creole
"""
_RELIGIONS = """
muslim islamic christian catholic protestant orthodox evangelical lutheran anglican
methodist baptist presbyterian pentecostal mormon quaker jewish jew hindu buddhist sikh
jain taoist shinto bahai zoroastrian pagan atheist agnostic sunni shia shiite sufi
coptic adventist amish mennonite rastafarian
"""
_POLITICAL = """
democrat democratic republican labour conservative tory liberal socialist communist
marxist leninist maoist green libertarian nationalist fascist anarchist progressive
centrist social-democrat christian-democrat unionist separatist monarchist royalist
"""

GROUP_WORDS: Final = frozenset((_NATIONALITIES + _PEOPLES + _RELIGIONS + _POLITICAL).split())

_SPLIT = re.compile(r"[\s\-]+")


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def is_group_word(value: str) -> bool:
    """Whether ``value`` names a nationality, people, religion or political group."""
    lowered = value.lower().strip(".,;:()")
    if lowered in GROUP_WORDS or _singular(lowered) in GROUP_WORDS:
        return True
    parts = [p for p in _SPLIT.split(lowered) if p]
    return any(p in GROUP_WORDS or _singular(p) in GROUP_WORDS for p in parts)


# What a nationality or religion describes when it says nothing about anyone in particular:
# a plural ("Japanese cohorts", "Israeli hospitals") or an institution, a place or a body of
# work ("German law", "Danish registry", "French cuisine").
_THINGS = """
    population government law registry cohort study trial market economy language cuisine
    company army navy culture history literature society border coast capital city region
    parliament court hospital university guideline guidelines health healthcare system
    sample data dataset survey census version edition translation setting context
"""
_THING_NOUNS: Final = frozenset(_THINGS.split())
_HEAD = re.compile(r"[ \t]+(?:[a-z]+[ \t]+)?(?P<noun>[a-z]+)\b")
_PROPER = re.compile(r"[ \t][A-Z][a-z]+")
_COORDINATED = re.compile(r"(?:,|[ \t]+(?:and|or|and/or|vs\.?|versus))[ \t]+(?P<word>[A-Z][\w-]+)")


def describes_group(text: str, end: int) -> bool:
    """The NRP word ending at ``end`` qualifies a plural or an institution ("Japanese
    cohorts", "German law", "Danish national registry"), not a person ("a Japanese man",
    "Nationality: Japanese")."""
    while (more := _COORDINATED.match(text, end, min(len(text), end + 40))) and is_group_word(
        more.group("word")
    ):
        end = more.end()  # "Chinese and Japanese populations": the last group word's head
    if _PROPER.match(text, end, min(len(text), end + 40)):
        return True  # part of a name: "American Mathematical Society", "Irish Sea"
    m = _HEAD.match(text, end, min(len(text), end + 40))
    if m is None:
        return False
    words = m.group(0).split()
    if words[0] in STOP_WORDS:
        return False  # "She is Muslim and lives ..."
    return any(_thing(w) for w in words[:2])


def _thing(noun: str) -> bool:
    plural = len(noun) > 3 and noun.endswith("s") and not noun.endswith(("ss", "us", "is"))
    return plural or noun in _THING_NOUNS


# Singular nouns for a person (and roles), after a nationality or religion that describes
# them ("a Japanese man", "our Irish analyst", "a devout Catholic priest").
_PERSON_WORDS = """
    man woman boy girl male female patient child baby infant kid toddler teen teenager
    adult person individual national citizen resident native immigrant refugee migrant
    mother father wife husband son daughter brother sister parent grandmother grandfather
    gentleman lady guy student pupil worker employee colleague candidate applicant client
    customer tenant neighbour neighbor friend partner spouse fiancé fiancee priest nun monk
    imam rabbi pastor believer convert analyst engineer developer manager nurse doctor
    teacher writer author artist driver officer lawyer chef cook cleaner carer caregiver
    volunteer intern trainee consultant director founder owner landlord landlady speaker
    player actor actress singer guest passenger traveller traveler visitor member voter
    veteran soldier athlete
"""
_PERSON_NOUNS: Final = frozenset(_PERSON_WORDS.split())
_LABEL_BEFORE = re.compile(
    r"(?i:nationality|citizenship|religion|religious[ \t]+affiliation|ethnicity"
    r"|ethnic[ \t]+(?:origin|group|background)|race|faith|denomination|origin"
    r"|political[ \t]+(?:affiliation|views|party)|party[ \t]+membership)"
    r"[ \t]*(?:\*\*|__)?[ \t]*[:=|\-][ \t]*(?:\*\*|__)?[ \t]*$"
)
# "She is Muslim", "I'm Irish", "he became Catholic", "her Catholic faith", "my Polish".
_PERSON_BEFORE = re.compile(
    r"(?i:\b(?:i|he|she|you|we|who|i'm|i\u2019m|he's|she's)[ \t]+(?:am|is|was|'m|\u2019m"
    r"|became|converted[ \t]+to|identifies[ \t]+as|identified[ \t]+as|is[ \t]+a|was[ \t]+a"
    r"|am[ \t]+a)?[ \t]*(?:an?[ \t]+)?(?:\w+[ \t]+)?"
    r"|\b(?:my|his|her|your|our)[ \t]+(?:\w+[ \t]+)?"
    r"|\b(?:a|an)[ \t]+(?:[\w-]+[ \t]+){0,2})$"
)
_NOUN_AFTER = re.compile(r"[ \t]+(?:[\w-]+[ \t]+){0,2}?(?P<noun>[a-zé]+)\b")


def about_a_person(text: str, start: int, end: int) -> bool:
    """The nationality, religion or group ``text[start:end]`` is said of one person: after
    a label ("Nationality: Japanese"), before a noun for a person ("a 45-year-old Japanese
    man", "our Irish analyst"), in what someone says they are ("She is Muslim", "I'm
    Irish"). Said of a population, a cohort
    or a thing ("Europeans", "the Swedish EIRA study", "patients of Asian ancestry") it
    identifies nobody and is left alone."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[max(line_start, start - 60) : start]
    if _LABEL_BEFORE.search(before):
        return True
    m = _NOUN_AFTER.match(text, end, min(len(text), end + 40))
    if m is not None and m.group("noun") in _PERSON_NOUNS:
        return True
    word = text[start:end].strip()
    plural = word.endswith("s") and not word.lower().endswith(("ss", "ese", "is"))
    if plural:
        return False  # "Europeans", "Tibetans", "Samoans": a people
    predicative = _CLAUSE_ENDS.match(text, end) is not None
    return predicative and bool(_PERSON_BEFORE.search(before))


_CLAUSE_ENDS = re.compile(r"[ \t]*(?:[.,;:!?)\n]|$|(?:and|but|who|since|by|from)\b)")
