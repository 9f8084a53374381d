"""Street addresses of many countries, from three kinds of evidence.

1. **Street-type words** in many languages, with a house number: "742 Evergreen Terrace",
   "Via Paruta, 545", "aleja Okrężna 776", "Oroszfürdői utca 54.", "Jalan Laswi No. 74",
   "23, rue Victoire Perrier", compounds such as "Fechnerstraße 5", "Skolvägen 76",
   "Amystraat 28", "Puuskatie 774", block numbers such as "1-26-7 Sakuragaoka"; plus
   unit parts ("Apt. 5", "Suite 282", "Piso 3", "Bl. 59 Sc. 32 Ap. 217"). Street types that
   are not English words ("rue", "calle", "ulica", "jalan"...) count without a number.
2. **Address layout**: a part of a line that holds a house number (or a street word) right
   before a postcode-and-city part, on the same line or the line above ("Koclířova 77\n
   774 20 Klobouky u Brna", "Dolna 66/97, 06-309 Żory"): most countries' street names carry
   no type word at all.
3. **Labels and verbs**: what follows "Address:", "Billing address:", "Street:", "lives at",
   "moved to"... up to the postcode-and-city part or the end of the clause.

Only the street part becomes STREET_ADDRESS; postcode and city stay readable (LOCATION is
kept by the GDPR policy, see policies/gdpr.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

from streams.compliance.persons import line_spans

STREET_ADDRESS = "STREET_ADDRESS"

SCORE_TYPED: Final = 0.75
SCORE_LAYOUT: Final = 0.7
SCORE_LABEL: Final = 0.7

# Latin letters, Greek and Cyrillic ("Απόλλωνος 134", "ул. Ленина 5").
_UP = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽȘȚΆ-ΏΑ-ΩЀ-Я"
_LOW = "a-zß-öø-ÿāăąćĉċčďđēĕėęěĝğġģĥħĩīĭįıĳĵķĸĺļľŀłńņňŉŋōŏőœŕŗřśŝşšţťŧũūŭůűųŵŷźżžșțά-ώа-џ"
_AP = "'\u2019"

# A capitalised name word ("Erzsébet", "O'Haire", "Agnes-Wesack", "K.H.", "HOS.").
_NAME = rf"(?:[{_UP}][{_LOW}{_UP}{_AP}-]*\.?|[{_UP}]\.(?:[{_UP}]\.?)*)"
_PARTICLE = (
    r"(?:de|do|da|dos|das|del|della|delle|dello|dei|degli|di|du|des|la|le|les|l'|d'|van|von"
    r"|der|den|ten|ter|y|e|el|al|and|of|the|am|an|auf|zum|zur|im|sur|sous|na|nad|pod|u|w)"
)
_WORDS = rf"{_NAME}(?:[ \t]+(?:{_PARTICLE}[ \t]+)*{_NAME}){{0,4}}"

# House numbers: "12", "12a", "26-83", "66/97", "211.", "S/N"; "No. 74", "Nr. 263", "nº 5".
_MONTHS = (
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|January|February|March|April"
    r"|June|July|August|September|October|November|December)\b"
)
_NUMBER = rf"\d{{1,5}}[A-Za-z]?(?:[-/]\d{{1,5}}[A-Za-z]?)?\.?(?![ \t]*{_MONTHS})"
_NUMBER_AFTER = (
    # a separator first: a digit glued to a word is part of it ("via Gli1", "Sirt1")
    rf"(?:(?:,[ \t]*|[ \t]+|(?<=\.))(?:(?:No|Nr|N|n|nº|n°|Nº|Num|num)\.?[ \t]*|\#[ \t]?)?"
    rf"{_NUMBER}"
    rf"(?:[ \t]+\d{{1,5}}(?![\d.:/-]|,\d))?|,?[ \t]+S/N)"
)
_UNIT_WORD = (
    r"(?:Apt|Apartment|Appt|Suite|Ste|Unit|Flat|Fl|Floor|Level|Lvl|Room|Rm|Studio|Bldg|Building"
    r"|Piso|Puerta|Planta|Pta|Escalera|Esc|Portal|Bajo|Appartamento|Piano|Interno|Int"
    r"|Scala|Interior|Depto|Dpto|Departamento|Edif|Edificio|Bl|Bloc|Sc|Et|Ap|Apto|Casa"
    r"|Lote|Bloco|Sala|Conj|Andar|Whg|Stiege|Top|Tür|Etage|Stock|lok|m|mieszk|kl|Bât"
    r"|Bat|Esc|RD|Lot|Villa|P\.?O\.?[ \t]*Box|Box|House|H\.No)"
)
_UNIT = rf"(?:[ \t]*,?[ \t]*(?i:{_UNIT_WORD})(?![a-z])\.?[ \t]*[#]?[ \t]*[\w/-]{{1,6}}\.?){{1,3}}"
_UNIT_BEFORE = rf"(?:(?i:{_UNIT_WORD})(?![a-z])\.?[ \t]*[#]?[ \t]*[\w/-]{{1,6}},?[ \t]+)"

# Street types written before the name that are not English words: count without a number.
_TYPE_FIRST = (
    r"rue|calle|c/|avenida|avda|viale|piazza|piazzale|corso|vicolo|contrada|strada|stretto"
    r"|borgo|lungomare|salita|rua|travessa|praça|praca|alameda|rodovia|viela|vereda|ladeira"
    r"|fazenda|chácara|chacara|loteamento|quadra|setor|núcleo|nucleo|trecho|conjunto"
    r"|residencial|colônia|colonia|estrada|esplanada|ulica|aleja|osiedle|plac|jalan|gang"
    r"|bulevardul|bulevard|calea|aleea|șoseaua|şoseaua|soseaua|splaiul|intrarea|prolongación"
    r"|prolongacion|privada|periférico|periferico|peatonal|callejón|callejon|cerrada"
    r"|circuito|andador|retorno|ampliación|ampliacion|calzada|carretera|camino|pasaje"
    r"|pasadizo|paseo|ronda|travesía|travesia|glorieta|urbanización|urbanizacion|cuesta"
    r"|chemin|allée|quai|cours|beco|sokak|caddesi|utca|ulitsa|straße|strasse|rondo|drumul"
    r"|cañada|canada|circunvalación|circunvalacion|continuación|continuacion|callejuela"
    r"|travessia|passarela|viaduto|condomínio|condominio|incrocio|traversa|piazzetta|rione"
    r"|sentiero|viottolo|polígono|poligono|urbanització|carrer|passeig|plaça|ruelle"
)
# Abbreviations and English-ambiguous street types written before the name: need a number.
_TYPE_FIRST_NUMBERED = (
    r"ul\.|al\.|os\.|pl\.|jl\.|gg\.|str\.|bd\.|bld\.|blvd\.|av\.|av|ave\.|r\.|sq\.|via|vía"
    r"|avenue|boulevard|place|plaza|square|route|passage|largo|parque|campo|lago|quinta"
    r"|ponte|vial|galería|galleria|rotonda|skwer|bulwar|vico|drumul|piața|piata|viale"
    r"|praia|lagoa|jardim|morro|sítio|sitio|distrito|recanto|vila|setor|parc|rambla"
    r"|carrera|diagonal|transversal|calle|c\.|impasse|canale|trevo|pátio|patio|área|area"
    r"|feira|favela|estação|estacao|aeroporto|muelle|bajada|barrio|sector|grupo|jardines"
    r"|bulevar|eje[ \t]+vial|eje|corredor|cerrada|privada|retorno|acceso|viaducto"
)
# Street types written after the name (a separate word), in many languages.
_TYPE_LAST = (
    r"Street|St|Road|Rd|Avenue|Ave|Av|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place"
    r"|Pl|Terrace|Tce|Ter|Crescent|Cres|Close|Cl|Grove|Gr|Gardens|Gdns|Square|Sq|Parade"
    r"|Pde|Highway|Hwy|Parkway|Pkwy|Circle|Cir|Trail|Trl|Alley|Aly|Row|Walk|Mews|Hill|Hills"
    r"|Rise|Esplanade|Quay|Wharf|Wynd|Vale|End|Line|Loop|Path|Pass|Pike|Plaza|Point|Ridge"
    r"|Run|Track|Trafficway|Route|Arcade|Approach|Broadway|Causeway|Chase|Croft|Dene|Fold"
    r"|Garth|Gate|Grange|Hollow|Laneway|Lea|Market|Meadow|Meadows|Mount|Nook|Orchard"
    r"|Paddock|Passage|Precinct|Promenade|Reach|Retreat|Spur|Strand|Turn|View|Villas|Vista"
    r"|Yard|Park|Green|Heights|Hts|Crossing|Xing|Junction|Jct|Center|Centre|Ctr|Commons"
    r"|Common|Corner|Corners|Cove|Coves|Creek|Crest|Estate|Estates|Expressway|Expy|Extension"
    r"|Falls|Ferry|Field|Fields|Flat|Flats|Ford|Fords|Forest|Forge|Forges|Fork|Forks|Fort"
    r"|Freeway|Glen|Glens|Greens|Harbor|Harbors|Harbour|Haven|Island|Islands|Isle|Key|Keys"
    r"|Knoll|Knolls|Lake|Lakes|Land|Landing|Light|Lights|Lock|Locks|Lodge|Manor|Manors"
    r"|Mill|Mills|Mission|Motorway|Mountain|Mountains|Neck|Oval|Overpass|Pine|Pines|Plain"
    r"|Plains|Port|Ports|Prairie|Radial|Ramp|Ranch|Rapid|Rapids|Rest|River|Roads|Shoal"
    r"|Shoals|Shore|Shores|Skyway|Spring|Springs|Squares|Station|Stravenue|Stream|Streets"
    r"|Summit|Throughway|Trace|Trafficway|Tunnel|Turnpike|Underpass|Union|Unions|Valley"
    r"|Valleys|Viaduct|Village|Villages|Ville|Ways|Well|Wells|Bypass|Bridge|Brook|Brooks"
    r"|Burg|Burgs|Bluff|Bluffs|Bottom|Branch|Camp|Canyon|Cape|Cliff|Cliffs|Club|Course"
    r"|Courts|Curve|Dale|Dam|Divide|Drives|Gateway|Hollow|Inlet|Junctions|Lanes|Loaf"
    r"|Marg|Nagar|Chowk|Ganj|Gali|Bazar|Bazaar|Colony|Enclave|Vihar|Puram|Peth|Salai|Zila"
    r"|Cutting|Reserve|Anchorage|Link|Outlook|Glade|Ridgeway|Cross|Crossway|Boardwalk"
    r"|Circuit|Concourse|Corso|Cul-de-sac|Grange|Plateau|Quadrant|Terrace|Wharf|Views"
    r"|Points|Parks|Centers|Centres|Extensions|Estates|Parkways|Circles|Quays|Forges"
    # Australia Post, NZ Post and USPS street types
    r"|Access|Alleyway|Amble|Basin|Beach|Bend|Brace|Brae|Brow|Byway|Centreway|Circlet|Circus"
    r"|Colonnade|Copse|Courtyard|Crossroad|Cruiseway|Dell|Driveway|Fairway|Fall|Firetrail"
    r"|Footway|Foreshore|Frontage|Garden|Gully|Highroad|Lees|Lookout|Mall|Meander|Mew"
    r"|Parklands|Pathway|Piazza|Quadrangle|Ramble|Riverway|Riviera|Roadside|Roadway|Ronde"
    r"|Rosebowl|Rotary|Rue|Siding|Subway|Tarn|Thoroughfare|Tollway|Trailer|Trunkway|Walkway"
    r"|Via"
    r"|Straße|Strasse|Str|Weg|Allee|Platz|Gasse|Ring|Damm|Ufer|Chaussee|Steig|Pfad|Graben"
    r"|utca|út|útja|tér|tere|körút|köz|sor|sétány|rakpart|lépcső|dűlő|fasor|lejtő|liget"
    r"|sugárút|udvar|telep|náměstí|nám|nábřeží|třída|ulice|allé|vej|gade|gate|gata|vägen"
    r"|väg|plads|torv|torg|kuja|tie|katu|polku|tori|kaari|rinne|väylä|raitti|bulevardi"
    r"|puistotie|ranta|straat|laan|plein|gracht|kade|singel|dijk|dreef|steeg|sokak|soka\u011f\u0131"
    r"|sk|sok|cadde|caddesi|cd|bulvar\u0131|blv|mahallesi|mah|dori|dōri|machi|chō|cho"
)
# The street types of _TYPE_LAST that are no English words: written with a capital or not
# ("Mosel Allé 940", "Nedvědovo Náměstí 2"), and after lower-case words ("Ady endre utca 207.").
_TYPE_LAST_FOREIGN = _TYPE_LAST[_TYPE_LAST.index("Straße") :]
# Street types glued to the end of the name ("Fechnerstraße", "Skolvägen", "Amystraat").
_COMPOUND = (
    r"straße|strasse|str\.|gasse|weg|allee|platz|ring|damm|ufer|steig|pfad|chaussee"
    r"|markt|graben|straat|laan|plein|gracht|kade|singel|dijk|dreef|steeg|hof|pad|baan"
    r"|veld|erf|vägen|väg|gatan|gata|gränd|torget|torg|stigen|backen|leden|allén|slingan"
    r"|gången|vången|vej|gade|allé|stræde|plads|vænget|parken|bakken|toften|løkken|haven"
    r"|engen|højen|marken|lund|katu|tie|kuja|polku|tori|kaari|rinne|väylä|raitti"
    r"|bulevardi|ranta|puisto|portti|mäki|gatvė|iela|tänav|utca|boulevard|bulevard"
)

_BEFORE = r"(?<![\w@.-])"
_AFTER = r"(?![\w@-])"

# "742 Evergreen Terrace", "17 Jones Light, Apt 5", "Flat 3, 9/377 Valdez Crest".
_NUMBER_FIRST = re.compile(
    rf"{_BEFORE}{_UNIT_BEFORE}?\d{{1,6}}[A-Za-z]?(?:[-/]\d{{1,5}}[A-Za-z]?)?,?[ \t]+"
    rf"(?:{_NAME}[ \t]+)(?:(?:{_NAME}|{_PARTICLE})[ \t]+){{0,3}}(?:{_TYPE_LAST})s?{_AFTER}\.?"
    rf"(?:[ \t]+{_NUMBER}{_AFTER})?(?:{_UNIT})?"
)
# "Oroszfürdői utca 54.", "Næsbyholm Allé 77", "Sakura Street 12", "Komenského Nám. 86".
_TYPE_LAST_NUMBERED = re.compile(
    rf"{_BEFORE}{_UNIT_BEFORE}?{_WORDS}[ \t]+(?:{_TYPE_LAST})s?{_AFTER}\.?"
    rf"{_NUMBER_AFTER}{_AFTER}(?:{_UNIT})?"
)
_FOREIGN_LAST_NUMBERED = re.compile(
    rf"{_BEFORE}{_UNIT_BEFORE}?{_NAME}(?:[ \t]+(?:{_NAME}|[{_LOW}]{{3,}})){{0,3}}[ \t]+"
    rf"(?i:{_TYPE_LAST_FOREIGN}){_AFTER}\.?{_NUMBER_AFTER}{_AFTER}(?:{_UNIT})?"
)
# "Via Paruta, 545", "rue Clémence Samson", "23, rue de Gonzalez", "Jalan Laswi No. 74".
_TYPE_FIRST_RE = re.compile(
    rf"{_BEFORE}(?:\d{{1,5}}[A-Za-z]?,?[ \t]+)?(?i:{_TYPE_FIRST}){_AFTER}\.?[ \t]+"
    rf"(?:{_PARTICLE}[ \t]+)*{_WORDS}(?:{_NUMBER_AFTER}{_AFTER})?(?:{_UNIT})?"
)
_TYPE_FIRST_NUMBERED_RE = re.compile(
    rf"{_BEFORE}(?:(?P<pre>\d{{1,5}}[A-Za-z]?),?[ \t]+)?(?i:{_TYPE_FIRST_NUMBERED})"
    # "ul. Lipowa 5", or glued after the dot only to a capitalised word ("ul.Lipowa 5",
    # never "C.UTF-8")
    rf"(?:{_AFTER}[ \t]+|(?<=\.)(?=[{_UP}][{_LOW}]))(?:{_PARTICLE}[ \t]+)*{_WORDS}"
    rf"(?P<post>{_NUMBER_AFTER}{_AFTER})?(?:{_UNIT})?"
)
# "Fechnerstraße 5", "Agnes-Wesack-Straße 26-83", "Schlosserallee 7", "Ängstorget 3".
_COMPOUND_RE = re.compile(
    rf"{_BEFORE}(?:{_NAME}[ \t]+)?[{_UP}][\w{_AP}-]*?(?i:{_COMPOUND})[ \t]*"
    rf"{_NUMBER_AFTER}{_AFTER}(?:{_UNIT})?"
)
# "65 Frørupvej", "31 Wiesenstrasse", "178 Plattebaan": a house number before a compound.
_NUMBER_COMPOUND_RE = re.compile(
    rf"{_BEFORE}\d{{1,5}}[A-Za-z]?,?[ \t]+[{_UP}][\w{_AP}-]*?(?i:{_COMPOUND}){_AFTER}"
)
# "1-26-7 Sakuragaoka" (Japanese block numbers), "H.No. 64 Tripathi Marg" handled above.
_BLOCK_RE = re.compile(rf"{_BEFORE}\d{{1,2}}-\d{{1,3}}-\d{{1,3}}[ \t]+{_NAME}{_AFTER}")
_PO_BOX = re.compile(
    r"(?i)\b(?:P\.?[ \t]?O\.?[ \t]?Box|Postfach|Apartado|Caixa Postal)[ \t]*\d{1,6}\b"
)

# Postcodes of many countries (one token) and "City, ST 12345" / "City ST 2000" endings.
_POSTCODE = (
    r"(?:[A-Z]{1,2}-)?\d{4,5}(?:-\d{3,4})?|\d{2}-\d{3}|\d{3}[ \t]\d{2}|\d{4}[ \t]?[A-Z]{2}"
    r"|\d{6}|\d{3}-\d{4}|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d"
    r"|[AC-FHKNPRTV-Y]\d{2}[ \t]?[AC-FHKNPRTV-Y\d]{4}"
)
# The sentence going on after a postcode-and-city part ("Bidar - 642297 and wants ...").
_SENTENCE_GOES_ON = r"(?:and|but|with|where|since|until|before|after|from|for|on|in|at)\b"
_POSTCODE_PART = re.compile(
    rf"^[ \t]*(?:(?!(?:19|20)\d\d[ \t]*$)(?:{_POSTCODE})(?:,?[ \t]+{_WORDS}.*|[.;][ \t].*)?"
    rf"|(?!{_MONTHS}){_WORDS}(?:[ \t]*[-,])?(?:[ \t]+[A-Z]{{2,3}},?)?[ \t]*(?:{_POSTCODE})"
    rf"(?:[ \t]*[(/-].*|[.;][ \t].*|[ \t]+{_SENTENCE_GOES_ON}.*)?)[ \t]*$"
)
# A postcode after a city part, and the sentence goes on ("Bidar - 642297 and wants ...").
_POSTCODE_GOES_ON = re.compile(rf"^[ \t]*(?:{_POSTCODE})[ \t]+{_SENTENCE_GOES_ON}")
_CITY = re.compile(rf"[ \t]*{_WORDS}[ \t]*")
_STATE_ZIP = re.compile(
    r"^[ \t]*[A-Z]{2,3}[ \t]+(?:\d{4,5}(?:-\d{4})?|[A-Z]\d[A-Z] ?\d[A-Z]\d)[ \t]*$"
)
_SPLIT = re.compile(r"[ \t]*(?:,|;|\||·|\u2013|\u2014| - |\t|[ \t]\((?=[^)\n]*\d))[ \t]*")
_HAS_WORD = re.compile(rf"[{_UP}{_LOW}]{{2,}}")
_STREETY = re.compile(
    rf"(?i:(?<![\w]){_UNIT_WORD}\.?[ \t]*\d|(?<![\w])(?:{_TYPE_FIRST}|{_TYPE_LAST})s?(?![\w]))"
)
_NOT_STREET = re.compile(
    r"@|https?:|www\.|(?i:\b(?:tel|phone|mobile|fax|e-?mail|iban|card|invoice|order|ref"
    r"|ticket|vat|tax|dob|born|date|total|amount|ssn|id|no\.? of)\b)|\d{7,}|\d[ \t]\d{3}[ \t]\d"
    # a count and a note in a table cell ("5 (Loch Ness)")
    r"|^[ \t]*\d+[ \t]*\("
)

_LABELS = (
    r"(?:home|billing|shipping|delivery|postal|mailing|street|residential|permanent"
    r"|current|new|old|correspondence|registered|invoice|business|office|work)?[ \t]*"
    r"(?:address|addr\.?|street|adresse|anschrift|dirección|direccion|indirizzo|endereço"
    r"|endereco|adres|adresa|cím|osoite|residence|domicile|property|premises)"
)
_LABEL_RE = re.compile(
    rf"(?i:(?<![\w-]){_LABELS})[\"']?[ \t]*(?:\*\*|__)?[ \t]*[:|][ \t]*(?:\*\*|__)?[ \t]*"
    r"(?P<value>[^\n]*)"
)
_VERB_RE = re.compile(
    r"(?i:(?<![\w-])(?:(?:lives|living|live|lived|resides|residing|reside|resided|staying"
    r"|stays|stayed|located|based|registered)[ \t]+(?:at|in|on)|(?:moved|moving|relocated"
    r"|relocating)[ \t]+(?:to|into)|(?:deliver|delivered|ship|shipped|send|sent|post"
    r"|posted|mail|mailed|forward|forwarded|return|returned)[ \t]+(?:it[ \t]+)?to"
    r"|writing[ \t]+from|(?:new|home|my|our|current)[ \t]+address[ \t]+(?:is|was|will[ \t]+be))"
    r"(?:[ \t]+the[ \t]+(?:address|flat|house))?)[ \t]+(?P<value>[^\n]*)"
)


@dataclass(frozen=True, slots=True)
class AddressSpan:
    start: int
    end: int
    score: float


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in ' \t,;:"':
        start += 1
    while end > start and text[end - 1] in ' \t,;:"':
        end -= 1
    # a full stop after a word ("...Street.") ends the sentence, not the address
    if end - start > 4 and text[end - 1] == "." and re.match(r"[a-z]{3}", text[end - 4 : end - 1]):
        end -= 1
    return start, end


def _typed(text: str) -> list[AddressSpan]:
    out = []
    for regex in (
        _NUMBER_FIRST,
        _TYPE_LAST_NUMBERED,
        _FOREIGN_LAST_NUMBERED,
        _TYPE_FIRST_RE,
        _COMPOUND_RE,
        _NUMBER_COMPOUND_RE,
        _BLOCK_RE,
    ):
        for m in regex.finditer(text):
            s, e = _trim(text, m.start(), m.end())
            out.append(AddressSpan(s, e, SCORE_TYPED))
    for m in _TYPE_FIRST_NUMBERED_RE.finditer(text):
        if m.group("pre") or m.group("post"):
            s, e = _trim(text, m.start(), m.end())
            out.append(AddressSpan(s, e, SCORE_TYPED))
    for m in _PO_BOX.finditer(text):
        out.append(AddressSpan(m.start(), m.end(), SCORE_TYPED))
    return out


def _parts(line: str, offset: int) -> list[tuple[int, int]]:
    """Comma/pipe-separated parts of one line, as absolute offsets."""
    out = []
    cursor = 0
    for m in _SPLIT.finditer(line):
        out.append((offset + cursor, offset + m.start()))
        cursor = m.end()
    out.append((offset + cursor, offset + len(line)))
    return [(s, e) for s, e in out if e > s]


def _is_postcode_part(text: str, parts: list[tuple[int, int]], i: int) -> bool:
    s, e = parts[i]
    value = text[s:e].strip('"')
    if s > 0 and text[s - 1] == "(":
        value = re.sub(r"\)[.,;:!?]?$", "", value)  # "Zbynická 93 (262 82 Město)."
    if s > 0 and text[s - 1] in "-\u2013\u2014" and re.match(r"[ \t]*(?:19|20)\d\d\b", value):
        return False  # the end of a year range ("2019-2024 Senior Engineer")
    if _POSTCODE_PART.match(value):
        return True
    if i > 0 and _POSTCODE_GOES_ON.match(value) and _CITY.fullmatch(text[slice(*parts[i - 1])]):
        return True
    # "City, ST 12345": the state-and-ZIP part follows the city part
    return bool(_STATE_ZIP.match(value))


def _street_like(value: str) -> bool:
    value = value.strip()
    if not value or len(value) > 80 or _NOT_STREET.search(value):
        return False
    if not _HAS_WORD.search(value):
        return False
    return bool(re.search(r"\d", value) or _STREETY.search(value))


_LEAD = re.compile(
    r"(?i)(?:[\w /-]{0,30}:[ \t]*|[^\d\n:]{0,40}?\b(?:of|at|in|from|to|c/o|is)[ \t]+(?=\S))"
)


# The last preposition before a street in a longer sentence part ("... rang us from
# +44 20 7946 0958. She lives at 563").
_LAST_PREPOSITION = re.compile(r"(?i)\b(?:at|of|to|on|along|outside|c/o)[ \t]+(?=\w)")


_NUMBER_NOT_DATE = re.compile(rf"\d{{1,5}}(?![\d.:/-])(?![ \t]*(?:st|nd|rd|th)?[ \t]*{_MONTHS})")


def _strip_lead(text: str, start: int, end: int) -> int:
    m = _LEAD.match(text, start, end)
    if m:
        return m.end()
    last = None
    for found in _LAST_PREPOSITION.finditer(text, start, end):
        last = found
    if last is not None and (
        _NUMBER_NOT_DATE.match(text, last.end(), end)
        or re.match(rf"[{_UP}][^\d]*\d", text[last.end() : end])
    ):
        return last.end()
    return start


_HOUSE_NUMBER = re.compile(
    r"(?:No\.?|Nr\.?|H\.No\.?)?[ \t]*\d{1,5}[A-Za-z]?(?:[/-]\d{1,5}[A-Za-z]?)?"
)
_UNIT_LINE = re.compile(
    rf"[ \t]*(?:(?i:{_UNIT_WORD})(?![a-z])\.?[ \t]*[#]?[ \t]*[\w/-]{{1,6}}"
    rf"|{_HOUSE_NUMBER.pattern})[ \t]*,?[ \t]*"
)


def _street_parts_before(
    text: str, candidates: list[tuple[int, int]], city_before: bool = True
) -> list[AddressSpan]:
    """The street-like parts at the end of ``candidates`` (at most three, contiguous). A
    bare house number counts next to a street part, and a house number followed by a
    name ("807, Bansal") makes a street whatever the name."""
    out: list[AddressSpan] = []
    parts = [_trim(text, _strip_lead(text, s, e), e) for s, e in candidates[-4:]]
    i = len(parts) - 1
    if (
        city_before
        and i > 0
        and not re.search(r"\d", text[parts[i][0] : parts[i][1]])
        and not _street_like(text[parts[i][0] : parts[i][1]])
    ):
        i -= 1  # the city before the postcode ("Bansal, Aizawl - 351370")
    while i >= 0:
        s, e = parts[i]
        value = text[s:e]
        if _street_like(value) or (out and _HOUSE_NUMBER.fullmatch(value)):
            out.append(AddressSpan(s, e, SCORE_LAYOUT))
        elif (
            i > 0
            and _HOUSE_NUMBER.fullmatch(text[parts[i - 1][0] : parts[i - 1][1]])
            and _HAS_WORD.search(value)
            and not _NOT_STREET.search(value)
            and len(value) <= 40
        ):
            out.append(AddressSpan(s, e, SCORE_LAYOUT))
            out.append(AddressSpan(*parts[i - 1], SCORE_LAYOUT))
            i -= 1
        else:
            break
        i -= 1
    return out


def _line_above(
    text: str, lines: list[tuple[int, int]], li: int, numbered: bool
) -> list[AddressSpan]:
    """The end of the line above a street line when it is a unit, a house number or a
    street ("Studio 5", "Flat 3", "731", "...lives at 482 Woolley Road"); a street broken
    over lines ("903 Mckee\nPrairie", "82 Banville\nStreet\nAbigail Ville") is followed up
    while the part taken has no house number and the line above starts with one."""
    out: list[AddressSpan] = []
    for _ in range(3):
        if li < 0:
            break
        ls, le = lines[li]
        parts = _parts(text[ls:le], ls)
        if not parts:
            break
        s, e = parts[-1]
        s, e = _trim(text, _strip_lead(text, s, e), e)
        value = text[s:e]
        if not (
            _UNIT_LINE.fullmatch(value)
            or (_street_like(value) and _STREETY.search(value))
            or (
                not numbered and _NUMBER_AND_NAME.fullmatch(value) and not _NOT_STREET.search(value)
            )
        ):
            break
        out.append(AddressSpan(s, e, SCORE_LAYOUT))
        if len(parts) > 1 and re.fullmatch(r"\d{1,5}[A-Za-z]?(?:[/-]\d{1,5})?", value):
            a, b = _trim(text, *parts[-2])
            if _NAME_LINE.fullmatch(text[a:b]) and not _NOT_STREET.search(text[a:b]):
                out.append(AddressSpan(a, b, SCORE_LAYOUT))  # "Piazza Adamo, 48"
        if re.search(r"\d", value) or len(parts) > 1:
            break
        li -= 1
        numbered = False
    return out


# "903 Mckee", "422/65 Kathleen": the first line of a street broken over two lines.
_NUMBER_AND_NAME = re.compile(rf"[ \t]*{_HOUSE_NUMBER.pattern}[ \t]+{_WORDS}[ \t]*")
# A name alone on its line ("Ormuskatu" above "98"): a street with no type word.
_NAME_LINE = re.compile(rf"[ \t]*(?:{_TYPE_FIRST_NUMBERED}[ \t]*)?{_WORDS}[ \t]*", re.I)

_POSTCODE_ALONE = re.compile(r"[ \t]*(?:[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}|\d{4,6})[ \t]*")


def _number_line(text: str, lines: list[tuple[int, int]], li: int) -> list[AddressSpan]:
    """A house number alone on its line and the street name alone on the line above
    ("Ormuskatu\n98", "ul. Wolności\n13/91", "517 Laura Green Suite\n492")."""
    if li < 1:
        return []
    s, e = _trim(text, *lines[li])
    a, b = _trim(text, *lines[li - 1])
    if _HOUSE_NUMBER.fullmatch(text[a:b]) and _NAME_LINE.fullmatch(text[s:e]):
        s, e, a, b = a, b, s, e  # "34\nAtwal": the number above the name
    if not _HOUSE_NUMBER.fullmatch(text[s:e]):
        return []
    above = text[a:b]
    if not above or _NOT_STREET.search(above) or len(above) > 60:
        return []
    if not (_street_like(above) or _NAME_LINE.fullmatch(above)):
        return []
    return [AddressSpan(s, e, SCORE_LAYOUT), AddressSpan(a, b, SCORE_LAYOUT)]


def _layout(text: str) -> list[AddressSpan]:
    """Street parts right before a postcode-and-city part (same line or the line above)."""
    out: list[AddressSpan] = []
    lines = line_spans(text)
    parts_of = [_parts(text[s:e], s) for s, e in lines]
    for li, parts in enumerate(parts_of):
        # every postcode part of the line (a CSV row may start with an id like "1001")
        for pi in [i for i in range(len(parts)) if _is_postcode_part(text, parts, i)]:
            out += _before_postcode(text, lines, parts_of, li, pi)
    return out


def _before_postcode(
    text: str,
    lines: list[tuple[int, int]],
    parts_of: list[list[tuple[int, int]]],
    li: int,
    pi: int,
) -> list[AddressSpan]:
    parts = parts_of[li]
    j = pi - 1
    if j >= 0 and _STATE_ZIP.match(text[parts[pi][0] : parts[pi][1]]):
        j -= 1  # skip the city before "ST 12345"
    if j >= 0:
        found = _street_parts_before(text, parts[: j + 1])
        street_line = li
        if not found and not any(re.search(r"\d", text[a:b]) for a, b in parts[: j + 1]):
            # "City, PC" with the street on the line above
            street_line = li - 1
            found = _street_parts_before(text, parts_of[li - 1], False) if li > 0 else []
    else:
        street_line = li - 1
        # a city alone on the line above a postcode alone (UK layout)
        if _POSTCODE_ALONE.fullmatch(text[parts[pi][0] : parts[pi][1]]):
            street_line -= 1
        # the city is on the postcode's line ("35598 Heinävesi") or on its own line
        city_before = not _HAS_WORD.search(text[parts[pi][0] : parts[pi][1]])
        found = (
            _street_parts_before(text, parts_of[street_line], city_before)
            if street_line >= 0
            else []
        )
    if not found and street_line >= 0 and len(parts_of[street_line]) == 1:
        return _number_line(text, lines, street_line)
    # a street that starts its line may continue a unit or number on the line above
    if found and min(a.start for a in found) <= _first_start(parts_of, street_line):
        numbered = any(re.search(r"\d", text[a.start : a.end]) for a in found)
        found = found + _line_above(text, lines, street_line - 1, numbered)
    return found


def _first_start(parts_of: list[list[tuple[int, int]]], li: int) -> int:
    return parts_of[li][0][0] if li >= 0 and parts_of[li] else -1


# Where the clause after "lives at" ends: a sentence stop (not after an abbreviation or a
# house number), a semicolon or a conjunction.
_CLAUSE_END = re.compile(
    r"(?<![A-Z][a-z])(?<![A-Z][a-z][a-z])(?<![A-Z])(?<!\d)\.(?=[ \t]|$)|[;!?]"
    r"|\b(?:and|but|where|who|which|with|since|for|until|because)\b"
)


_STREET_START = re.compile(
    rf"[ \t]*(?:\d|[{_UP}]|(?i:{_UNIT_WORD})(?![a-z])|(?:the|a)[ \t]+[{_UP}]|{_TYPE_FIRST_NUMBERED}"
    rf"|{_TYPE_FIRST})"
)


def _labelled(text: str) -> list[AddressSpan]:
    """The street part after an address label or "lives at" (up to the postcode part)."""
    out: list[AddressSpan] = []
    for regex in (_LABEL_RE, _VERB_RE):
        verb = regex is _VERB_RE
        for m in regex.finditer(text):
            vs, ve = m.start("value"), m.end("value")
            if verb and (stop := _CLAUSE_END.search(text, vs, ve)) is not None:
                ve = stop.start()
            parts = _parts(text[vs:ve], vs)
            taken: list[AddressSpan] = []
            for pi, (s, e) in enumerate(parts):
                if _is_postcode_part(text, parts, pi) or len(taken) >= 3:
                    break
                following = parts[pi + 1] if pi + 1 < len(parts) else None
                if following and _STATE_ZIP.match(text[following[0] : following[1]]):
                    break  # this part is the city of "City, ST 12345"
                value = text[s:e]
                if not _HAS_WORD.search(value) or _NOT_STREET.search(value) or len(value) > 80:
                    break
                if verb and not taken and not _STREET_START.match(value):
                    break  # "after return to warm conditions": no address starts lower case
                streety = bool(re.search(r"\d", value) or _STREETY.search(value))
                if not streety:
                    if taken or verb:
                        break  # "lives in Paris"; a city after the street
                    continue  # a name on the first line of an address block
                taken.append(AddressSpan(*_trim(text, s, e), SCORE_LABEL))
            out += taken
    return out


# vCard ADR: post office box; extended address; street; locality; region; postcode; country.
_VCARD_ADR = re.compile(
    r"(?im)^(?:item\d+\.)?ADR(?:;[^:\n]*)?:(?P<box>[^;\n]*);(?P<ext>[^;\n]*);(?P<street>[^;\n]*)"
)
# Address-line keys of JSON, YAML, logs and forms ("line1": "Flat 90, Williamson Turnpike").
_LINE_KEY = re.compile(
    r"(?i)(?<![\w-])[\"']?(?:(?:street|address|addr)[_ -]?line[_ -]?\d|(?:address|addr)[_ -]?[12]"
    r"|line[_ -]?[12]|street(?:[_ -]?address)?)[\"']?[ \t]*[:=][ \t]*(?P<q>[\"'])"
    r"(?P<value>[^\"'\n]{3,80})(?P=q)"
)


def _fields(text: str) -> list[AddressSpan]:
    """The street fields of vCards and of address-line keys."""
    out: list[AddressSpan] = []
    for m in _VCARD_ADR.finditer(text):
        for group in ("box", "ext", "street"):
            s, e = _trim(text, m.start(group), m.end(group))
            if e > s and re.search(r"[^\W_]", text[s:e]):
                out.append(AddressSpan(s, e, SCORE_LABEL))
    for m in _LINE_KEY.finditer(text):
        s, e = _trim(text, m.start("value"), m.end("value"))
        value = text[s:e]
        if _HAS_WORD.search(value) and not _NOT_STREET.search(value):
            out.append(AddressSpan(s, e, SCORE_LABEL))
    return out


# A flat, unit or house number that ends a line and the street that starts the next one:
# address lines pasted into prose or a form ("a note at Flat 7\nCameron Brooks.",
# "She lives at 563\nMemon Road", "Level 2\n20 Awamotu Drive").
_RESIDENTIAL_UNIT = (
    r"(?:Flat|Apt|Apartment|Appt|Suite|Ste|Unit|Studio|Level|Floor|H\.[ \t]?No|Piso|Depto"
    r"|Dpto|Apto|Appartamento|Interno|Interior|Whg|Wohnung|Lok|Mieszk)"
)
_BROKEN_LINE = re.compile(
    rf"(?:(?P<unit>(?i:{_RESIDENTIAL_UNIT})\.?[ \t]*[#]?[ \t]*\d{{1,5}}[A-Za-z]?)"
    rf"|(?P<number>\d{{1,5}}[A-Za-z]?(?:/\d{{1,5}}[A-Za-z]?)?))[ \t]*,?[ \t]*\n[ \t]*(?:>[ \t]*)?"
    rf"(?P<street>(?:\d{{1,5}}[A-Za-z]?(?:[-/]\d{{1,5}}[A-Za-z]?)?,?[ \t]+)?{_WORDS}"
    rf"(?:[ \t]+(?:{_TYPE_LAST})s?\.?)?)"
)
_BEFORE_BROKEN = re.compile(
    r"(?:^|[\n:,(>]|(?i:\b(?:at|on|of|to|along|outside|from|near|in)))[ \t]*$"
)
_TYPE_LAST_END = re.compile(rf"(?:^|[ \t])(?:{_TYPE_LAST})s?\.?$")
_STREET_ENDS = re.compile(r"[ \t]*(?:[,.;()]|(?:on|in|with|and|for|is|to)\b|\n|$)")


def _broken_lines(text: str) -> list[AddressSpan]:
    out: list[AddressSpan] = []
    for m in _BROKEN_LINE.finditer(text):
        head = m.start("unit") if m.group("unit") else m.start("number")
        if not _BEFORE_BROKEN.search(text, max(0, head - 12), head):
            continue
        end = m.end("street")
        if (stop := re.search(r"(?<=[a-z]{3})\.(?=[ \t])", m.group("street"))) is not None:
            end = m.start("street") + stop.start()  # "...Susan Field. My mobile is"
        street = text[m.start("street") : end]
        if not _STREET_ENDS.match(text, end) or _NOT_STREET.search(street):
            continue
        # a bare number needs a street word after it ("563\nMemon Road")
        if m.group("number") and not _TYPE_LAST_END.search(street):
            continue
        out.append(AddressSpan(head, end, SCORE_LAYOUT))
    return out


# A business named after its street ("Harley Street Homes", "Baker Street Estates").
_BUSINESS_AFTER = re.compile(
    r"[ \t]+(?:Homes|Estates?|Propert(?:y|ies)|Lettings|Realty|Realtors|Agency|Agents"
    r"|Partners|Group|Holdings|Surgery|Clinic|Pharmacy|Dental|Practice|Academy|School"
    r"|College|Hotel|Hostel|Inn|Restaurant|Pub|Bar|Caf[eé]|Bakery|Garage|Motors|Store|Shop"
    r"|Market|Gallery|Studios?|Church|Chapel|Station|Stadium|Tavern|Brewery|Ltd|LLC|Inc|GmbH)\b"
)


# What a line of a quoted, bulleted or indented block starts with ("> ", "??? ", "  - ").
_LINE_PREFIX = re.compile(r"[ \t]*(?:[>|*•·?-]+[ \t]*)*")
_NUMBER_STREET_LINE = re.compile(
    rf"\d{{1,5}}[A-Za-z]?(?:[/-]\d{{1,5}}[A-Za-z]?)?,?[ \t]+{_WORDS}\.?"
)
_UNIT_ALONE = re.compile(rf"(?i:{_UNIT_WORD})(?![a-z])\.?[ \t]*[#]?[ \t]*[\w/-]{{1,6}}")


def _unit_blocks(text: str) -> list[AddressSpan]:
    """A house number and a street name on one line and a unit alone on the next
    ("46 Aasa\n Apt. 432", "> 3914 Ibirapita\n> Puerta 7"), in any indented, quoted or
    bulleted block: both lines are the street part of an address."""
    out: list[AddressSpan] = []
    lines = line_spans(text)
    bodies = []
    for s, e in lines:
        m = _LINE_PREFIX.match(text, s, e)
        start = m.end() if m else s
        bodies.append(_trim(text, start, e))
    for (a, b), (c, d) in pairwise(bodies):
        street, unit = text[a:b], text[c:d]
        if not _UNIT_ALONE.fullmatch(unit) or not re.search(r"\d", unit):
            continue
        if _NUMBER_STREET_LINE.fullmatch(street) and not _NOT_STREET.search(street):
            out += [AddressSpan(a, b, SCORE_LAYOUT), AddressSpan(c, d, SCORE_LAYOUT)]
    return out


def find_addresses(text: str) -> list[AddressSpan]:
    """Street-address spans of ``text`` (may overlap; the resolver merges them), without
    the street names of businesses ("Harley Street Homes")."""
    found = _typed(text) + _layout(text) + _labelled(text) + _broken_lines(text)
    found += _fields(text) + _unit_blocks(text)
    return [
        a
        for a in found
        if not _BUSINESS_AFTER.match(text, a.end) and not _THOUSANDS_GOES_ON.match(text, a.end)
    ]


# A number that goes on in thousands groups ("During 1,663,319 person-years", "above
# 4,000 m") is a count, not a house number.
_THOUSANDS_GOES_ON = re.compile(r",\d{3}(?!\d)")
