"""Mentions the gazetteer cannot list: organisations outside it (recognised by a company-like
suffix or appositive), and governments named by an office, a seat or an administration.

Written by hand: these are a few surface patterns over capitalised words; an NER model would
add a large download and make extraction slower and non-deterministic across versions.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

# seats and offices that stand for one country whatever the article's dateline (ISO3; EUN for
# EU institutions). Capitals come from the gazetteer's aliases, not from here.
SEATS: dict[str, str] = {
    "White House": "USA", "Kremlin": "RUS", "Blue House": "KOR", "Zhongnanhai": "CHN",
    "Downing Street": "GBR", "Élysée": "FRA", "Elysee": "FRA", "Chief Cabinet Secretary": "JPN",
    "State Council": "CHN", "Commission": "EUN", "Commissioner": "EUN", "European Parliament": "EUN",
    "Council of the EU": "EUN",
}
# words that end an organisation's name ("Arafura Rare Earths", "Nordic Lithium Corp.")
ORG_SUFFIX = (r"(?:Corp(?:oration)?\.?|Co\.|Inc\.?|Ltd\.?|Limited|plc|PLC|LLC|AG|SA|GmbH|Holdings|"
              r"Resources|Mining|Mines|Metals|Minerals|Materials|Chemicals?|Industries|Group|Rare Earths|"
              r"Lithium|Nickel|Graphite|Cobalt|Energy|Fuels|Technologies|Technology|Rare Earth)")
_CAP = r"[A-Z][\w&'’-]*"


def word_start(words: Iterable[str], before: str = r"\w") -> str:
    """An alternation of `words` each starting a word (not after a `before` character), written so
    that `re` can skip to candidate first letters: a pattern opening with a boundary test or a
    look-behind is tried at every position (~10 us a sentence), one opening with literals is not.
    The test is moved behind each word's first letter as a two-character look-behind (same matches)."""
    return "(?:" + "|".join(f"{re.escape(w[0])}(?<!{before}{re.escape(w[0])}){re.escape(w[1:])}"
                            for w in words) + ")"


# a capitalised word that starts a word and is no part of an abbreviation ("U.S.")
_CAP_START = r"[A-Z](?<![\w.][A-Z])[\w&'’-]*"
# not followed by another capitalised word: "Critical Raw Materials Act" is no company; "Oklahoma-based" is
# where it is, no part of its name
ORG = re.compile(rf"((?![A-Z][\w'’]*-based\s){_CAP_START}\s+(?:{_CAP}\s+){{0,3}}{ORG_SUFFIX})(?![\w])(?!\s+[A-Z])")
# an unlisted name opening a sentence as the subject of a company verb ("Kestrel said", "Kestrel
# also signed"); plural-looking words ("Traders said") are common nouns, not names
SUBJECT = re.compile(r"^((?:[A-Z][\w&'’-]*[^\Ws]|[A-Z]{2,})(?:\s+[A-Z][\w&'’-]*)*?)\s+(?:also\s+)?"
                     r"(?:said|says|signed|agreed|announced|will|plans|bought|acquired|invested)\b")
# legal forms that end a company's name as written but not as events carry it ("Iwatani Corp." ->
# "Iwatani"); descriptive words (Group, Resources) stay
LEGAL_FORM = re.compile(r"(?:,?\s+(?:Corp(?:oration)?\.?|Co\.|Inc\.?|Ltd\.?|Limited|plc|PLC|LLC|AG|SA|SE|"
                        r"S\.A\.|GmbH|N\.?V\.?|Pty|Tbk|JSC))+$")
# "Kestrel, a Canadian miner," / "Kestrel, the trading house,": a name with a company appositive
APPOSITIVE = re.compile(rf"({_CAP_START}(?:\s+{_CAP}){{0,2}}),\s+(?:a|an|the)\s+(?:[\w.’'-]+\s+){{0,3}}"
                        r"(?:company|firm|miner|producer|refiner|maker|trading house|conglomerate|"
                        r"smelter|developer|supplier|group|startup|start-up|venture|recycler|processor|"
                        r"manufacturer|explorer|subsidiary|consortium|trader|utility|operator)\b")
# an office without a country of its own ("Industry Minister Kim") and "the X administration":
# patterns anchored on their keyword (a leading optional group would be tried at every position);
# the capitalised words before it are found by a look back: "Industry Minister Kim", "Biden administration"
OFFICE = re.compile(word_start(("Minister", "minister", "Secretary", "President", "Premier", "Chancellor"))
                    + r"\b(?:\s+[A-Z][\w-]+){0,3}")
ADMINISTRATION = re.compile(word_start(("administration", "government", "cabinet")) + r"\b")
# a government body qualified by its portfolio or level but by no country ("the Finance Ministry", "the
# mines ministry", "the federal cabinet", "the Cabinet", "the Ministry of Industry and Trade"): news
# names its home country's bodies so and qualifies foreign ones ("China's commerce ministry"), so it
# is the article's home; a bare "the ministry" refers back and is left to the extractor's anaphora
_OF = r"(?:\s+of(?:\s+[A-Z][\w-]*|\s+and){1,5})?"
_BODY = r"(?:Ministry|Cabinet|Government|Department)"
BODY = re.compile(word_start(("The", "the")) + r"\s+((?:(?!(?:the|two|three|both|same|other|its|their)\b)"
                  rf"[\w-]+\s+){{1,3}}(?:[Mm]inistry|[Cc]abinet|[Gg]overnment|Department){_OF}|{_BODY}{_OF})"
                  r"(?![\w-])")
# a capitalised modifier shaped like a demonym the gazetteer lacks ("the Argentine government"): foreign
DEMONYM = re.compile(r"\b[A-Z][a-z]+(?:an|ine|ese|ish|i)\b")
# "In Kinshasa, the mines ministry ...": a leading place locates the body
LEADING_PLACE = re.compile(r"^\W*(?:In|At|From)\s+$")
BEFORE = re.compile(r"(?:[A-Z][\w-]*\s+){1,2}$")
_SEAT_ALT = "|".join(re.escape(s) for s in sorted(SEATS, key=len, reverse=True))
SEAT = re.compile(rf"(?<![\w])(?:the\s+)?({_SEAT_ALT})(?![\w])")
# "Commission" is the European one unless a name qualifies it ("Central Commission for Foreign Affairs",
# "the Federal Trade Commission"); "European Commission" itself is a listed form
QUALIFIED = re.compile(r"(?<![\w-])(?!The\s|EU\s|European\s)[A-Z][\w-]*\s+(?:(?:and|for|of)\s+)?$")
OWN_SEATS = {"Commission"}
# whole words that gate the slower patterns, found by the gazetteer's one scan of the sentence
# (most sentences hold none, and a second scan per pattern would cost as much as linking itself)
CUES: dict[str, str] = {
    **{w: "org" for w in ("Corp", "Corporation", "Co", "Inc", "Ltd", "Limited", "plc", "PLC", "LLC", "AG",
                          "SA", "GmbH", "Holdings", "Resources", "Mining", "Metals", "Minerals", "Materials",
                          "Chemical", "Chemicals", "Industries", "Mines", "Group", "Rare Earths", "Lithium", "Nickel",
                          "Graphite", "Cobalt", "Energy", "Fuels", "Technologies", "Technology", "Rare Earth")},
    **{w: "office" for w in ("Minister", "minister", "Secretary", "President", "Premier", "Chancellor")},
    **{w: "admin" for w in ("administration", "government", "cabinet")},
    **{w: "body" for w in ("Ministry", "ministry", "Cabinet", "Government", "Department")},
    **{w: "seat" for w in SEATS},
}
# words that start a sentence but are no names, and titles that are no surnames
_TITLES = {"President", "Premier", "Prime", "Minister", "Chairman", "Secretary", "King", "General"}
_NOT_NAME = {"The", "A", "An", "Its", "Their", "This", "That", "These", "Those", "Separately", "Meanwhile",
             "He", "She", "It", "They", "We", "I", "You"}


# the holder of a seat that stands for its body ("Trade Commissioner Maros Sefcovic"): the names after it
SEAT_HOLDER = re.compile(r"Commissioner(?:\s+[A-Z][\w-]+){1,3}")


def holder_names(mention: str) -> list[str]:
    """The name words of an office holder's mention, first and last ("Trade Minister Kim Jung-kwan"
    -> Kim, Jung-kwan; "Commissioner Maros Sefcovic ..." -> Maros, Sefcovic), for recognising the
    person later by name alone; titles excluded."""
    m = OFFICE.search(mention) or SEAT_HOLDER.match(mention)
    words = [w for w in (m.group().split()[1:] if m else []) if w not in _TITLES]
    return [w for w in {words[0], words[-1]} if w[:1].isupper() and len(w) > 2] if words else []


# a country's official with a lower-case title ("EU trade chief Maros Sefcovic", "China's commerce minister
# Wang Wentao"): the names after the title are that country's, for finding the person by name later
TITLED = re.compile(r"(?:['’]s)?\s+(?:[a-z][\w-]*\s+){0,3}(?:chief|commissioner|minister|secretary|envoy|"
                    r"spokes(?:person|man|woman)|representative|ambassador|negotiator)\s+"
                    r"([A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,2})")


def titled_names(s: str, countries: Iterable[tuple[str, int]]) -> dict[str, str]:
    """Name words (first and last) of officials titled in lower case right after a country's mention
    (`countries`: (ISO3, end) of each), mapped to that country."""
    out: dict[str, str] = {}
    for iso3, end in countries:
        m = TITLED.match(s, end)
        words = [w for w in m.group(1).split() if w not in _TITLES and len(w) > 2] if m else []
        out.update({w: iso3 for w in {words[0], words[-1]}} if words else {})
    return out


def home(place: str | None, forms: dict) -> str | None:
    """ISO3 of a dateline place the gazetteer knows ("SEOUL" -> KOR), else None; a dateline naming
    places in different countries ("ASTANA/TOKYO") says nothing about the article's home."""
    if not place:
        return None
    found = set()
    for part in place.split("/"):
        part = part.strip()
        hit = forms.get(part) or forms.get(part.title())
        found.add(hit[2] if hit and hit[1] in ("place", "country") else None)
    return found.pop() if len(found) == 1 else None  # {None} when unknown


# a header line naming the article's place: "Vikas Menon | New Delhi", "Santiago, 21/01/2026"
HEADER_SPLIT = re.compile(r"\s*[|,·•]\s*")
HEADER_LINES = 12
HEADER_CHARS = 4000  # where a header ends at the latest: a 10 MB file is not split whole


def header_home(text: str, forms: dict) -> str | None:
    """ISO3 of a place the gazetteer knows standing alone in a segment of a short header line
    (no sentence punctuation) before the first body sentence, else None."""
    lines = (x.strip() for x in text[:HEADER_CHARS].split("\n"))
    for line in [x for x in lines if x][:HEADER_LINES]:
        if line.endswith((".", "!", "?", '"', "”")):
            return None  # the body has started
        if len(line) > 80:
            continue
        for seg in HEADER_SPLIT.split(line):
            hit = forms.get(seg)
            if hit and hit[1] == "place":
                return hit[2]
    return None


def outlet_home(outlet: str | None, gaz) -> str | None:
    """ISO3 of the one country an outlet's name carries ("The Seoul Economic Daily" -> KOR)."""
    if not outlet:
        return None
    found = {e.iso3 for e in gaz.entities(outlet) if e.kind in ("place", "country", "government") and e.iso3}
    return found.pop() if len(found) == 1 else None


def surnames(forms: dict) -> dict[str, str]:
    """First and last word of each gazetteer person's name -> ISO3 ("Biden" -> USA; family names
    come first in East Asian order, "Wang Wentao") for "the X administration" and "X said"."""
    out: dict[str, str] = {}
    for form, (_, kind, iso3) in forms.items():
        words = form.split()
        if kind == "person" and iso3 and len(words) > 1:
            for w in (words[0], words[-1]):
                if w[:1].isupper() and w not in _TITLES:
                    out.setdefault(w, iso3)
    return out


def bare_surnames(forms: dict) -> dict[str, str]:
    """Last names that name their bearer alone ("Trump met Xi"): the last word, of at least four
    letters, of one gazetteer person's name, borne by no one of another country."""
    out: dict[str, str | None] = {}
    for form, (_, kind, iso3) in forms.items():
        words = form.split()
        if kind == "person" and iso3 and len(words) > 1 and len(words[-1]) >= 4 and words[-1][:1].isupper():
            out[words[-1]] = iso3 if out.get(words[-1], iso3) == iso3 else None
    return {w: iso3 for w, iso3 in out.items() if iso3 and w not in _TITLES}


def mentions(s: str, taken: Iterable[tuple[int, int]], cues: set[str], home: str | None,
             people: dict[str, str], short_forms: dict[str, str] | None = None,
             weak: Iterable[tuple[int, int]] = (),
             named: dict[str, str] | None = None) -> list[tuple[str, str, str | None, int, int]]:
    """(value, kind, iso3, start, end) for unlisted organisations and offices, not overlapping `taken`
    except `weak` spans (country names) inside a suffixed company name ("Khanij Bidesh India Ltd");
    `cues` are the kinds of CUES words the sentence holds; `named` people are found by name alone."""
    appositive = ", a " in s or ", an " in s or ", the " in s
    subject = SUBJECT.match(s)
    shorts = [k for k in short_forms or () if k in s]
    names = [k for k in named or () if k in s]
    if not (cues or appositive or subject or shorts or names):  # the common case: nothing to look for
        return []
    spans = list(taken)
    out: list[tuple[str, str, str | None, int, int]] = []

    weak = set(weak)

    def add(value: str, kind: str, iso3: str | None, a: int, b: int, swallow: bool = False) -> None:
        if kind == "company":
            value = LEGAL_FORM.sub("", value) or value
        if all(b <= x or a >= y or (swallow and (x, y) in weak and a <= x and y <= b) for x, y in spans):
            spans.append((a, b))
            out.append((value, kind, iso3, a, b))

    for m in SEAT.finditer(s) if "seat" in cues else ():
        if m.group(1) in OWN_SEATS and QUALIFIED.search(s, max(0, m.start(1) - 40), m.start(1)):
            continue
        add(SEATS[m.group(1)], "government", SEATS[m.group(1)], m.start(1), m.end(1))
    if home and cues & {"admin", "body"}:
        for m in BODY.finditer(s):
            if not DEMONYM.search(m.group(1)):
                add(home, "government", home, m.start(1), m.end(1))
    for m in ADMINISTRATION.finditer(s) if "admin" in cues else ():
        word = s[:m.start()].rstrip().rpartition(" ")[2]
        if word in people:
            add(people[word], "government", people[word], m.start() - len(word) - 1, m.end())
    for short in shorts:  # a short form of a name seen before wins over a guess from its shape
        for m in re.finditer(rf"(?<![\w.]){re.escape(short)}(?![\w])", s):
            add(short_forms[short], "company", None, m.start(), m.end())
    for rx, gate in ((ORG, "org" in cues), (APPOSITIVE, appositive)):
        for m in rx.finditer(s) if gate else ():
            a, name = m.start(1), m.group(1)
            first = name.split()[0]
            if first in _NOT_NAME:
                rest = name[len(first):].lstrip()
                a, name = m.end(1) - len(rest) if rx is ORG else a + len(first) + 1, rest
            if name and (" " in name or rx is APPOSITIVE):
                add(name, "company", None, a, a + len(name), swallow=rx is ORG)
    m = subject
    words = m.group(1).split() if m else []
    # "Wang said", "Industry Minister Ahn will": people and offices, handled below
    if m and words[0] not in _NOT_NAME and not any(w in people or w in _TITLES for w in words):
        add(m.group(1), "company", None, m.start(1), m.end(1))
    for name in names:  # "Kim said ..." after "Trade Minister Kim Jung-kwan"
        for m in re.finditer(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", s):
            add(named[name], "person", named[name], m.start(), m.end())
    for m in OFFICE.finditer(s) if "office" in cues else ():
        # a known surname names its bearer only when it stands alone ("President Biden"): "Industry
        # Minister Kim Jung-kwan" is not Kim Jong Un; names met earlier in the article (`named`) count whole
        held = m.group().split()[1:]
        known = [(named or {}).get(w) or people[w] for w in held if w in people
                 and (len(held) == 1 or w in (named or {}))]
        iso3 = home or (known[0] if known else None)  # the dateline beats a shared surname
        if not iso3:
            continue
        lead = BEFORE.search(s, max(0, m.start() - 40), m.start())
        a = lead.start() if lead else m.start()
        if not any(0 <= a - y <= 3 for _, y in spans):  # "US Commerce Secretary", "Japan's Trade Minister"
            add(iso3, "person", iso3, a, m.end())
    return out
