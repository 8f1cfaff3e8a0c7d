"""Compositional triggers: an action word of a type's verb class within a few words of a word of
its object class ("tightened its oversight", "finalized a loan", "approved the bill"), for events
phrased without a listed trigger phrase. In a main clause a frame reports the event where no listed
trigger does, or a second event of another type beside the trigger's (triggers.find_triggers); it
passes the same filters."""
from __future__ import annotations

import re

from chokepoint.news.fold import folded

# up to five words between verb and object, none crossing a clause (no comma, semicolon or colon) nor
# opening an adverbial or relative one ("measures imposed during their tariff war")
_GAP = (r"\s+(?:(?!(?:during|after|before|since|when|while|amid|because|following|despite|as|by|that|which|who|"
        r"until|than)\b)[^\s,;:()]+\s+){0,5}?")
_RESTRICT_NOUN = (r"(?:controls|control over|curbs|restrictions|oversight|licensing|licen[cs]e requirements|permit requirements|"
                  r"bans?|sanctions|quotas|limits|embargo(?:es)?|export rules|export licen[cs]es)")
_TRADE_NOUN = r"(?:exports?|export of|shipments?|sales|dealings|access to|supply to|supplies to)"
_DUTY_NOUN = r"(?:tariffs?|duties|duty|levies|surtax(?:es)?|surcharges?|port fees|docking fees)"
_MONEY_NOUN = (r"(?:loans?|grants?|financing|funding|stake|equity|investments?|capital injection|credit facility|"
               r"credit line|shares|holding|contributions?)")
# a sum of money as written, lower case: "$6.9 million", "c$18.95 million", "€500 million"
_SUM = r"(?:up to |about |around |nearly |more than |over )?(?:[a-z]{1,2}\$|[$€£¥₩₹])\s?\d"
_DEAL_NOUN = (r"(?:deals?|agreements?|contracts?|accords?|pacts?|mous?|memorand(?:um|a)|offtakes?|pre-agreement|"
              r"partnership)")
_POLICY_NOUN = (r"(?:bill|act|law|legislation|plan|strategy|programme|program|roadmap|fund|stockpiles?|"
                r"price floor|guidelines|package|budget|rules|regulations?|designation)")

# type -> the verb-object and nominal ("the imposition of tariffs") forms of its frame, lower case
FORMS: dict[str, list[str]] = dict([
    ("EXPORT_EASING", [
        rf"\b(?:suspend\w*|suspension of|lift\w*|eas(?:e|ed|es|ing)|easing of|relax\w*|scrap\w*|waiv\w*|"
        rf"roll\w* back|paus\w*|delay\w*|postpon\w*|defer\w*|remov\w*|extend\w* (?:the|its) (?:suspension|pause|exemption)){_GAP}"
        rf"{_RESTRICT_NOUN}\b",
        r"\b(?:extend\w*|prolong\w*) (?:the |its )?(?:suspension|pause|exemptions?|waivers?)\b",
        r"\b(?:delay\w*|postpon\w*|defer\w*|paus\w*|suspend\w*) (?:the |its )?(?:introduction|implementation|"
        r"enforcement) of (?:[^\s,;]+ ){0,8}?(?:controls|curbs|restrictions|ban)\b",
        rf"\b(?:approv\w*|resum\w*|grant\w*){_GAP}(?:exports?|shipments|export licen[cs]es|export applications)\b",
        r"\b(?:ban|controls|curbs|restrictions)\b(?: [\w-]+){0,5}? (?:will |would )?(?:now )?be (?:suspended|lifted|eased|"
        r"delayed|postponed|paused|deferred)\b",
        # exports resumed, a permit extended: "the government decided to extend Freeport's export permit"
        r"\bexports? (?:will |would |are to |is to )?resume\b",
        rf"\b(?:extend\w*|renew\w*){_GAP}export (?:permits?|licen[cs]es?)\b",
    ]),
    ("EXPORT_CONTROL", [
        rf"\b(?:restrict\w*|limit\w*|curb\w*|ban(?:s|ned|ning)?|block\w*|halt\w*|suspend\w*|stop\w*|prohibit\w*|"
        rf"cut\w* off|tighten\w*|cap(?:s|ped|ping)?){_GAP}{_TRADE_NOUN}",
        rf"\b{_TRADE_NOUN} (?:will |would )?(?:be |are |were |was |have been |has been )?capped\b",
        # entity sanctions (GUIDELINE.md): "China has sanctioned five American subsidiaries"
        r"\bsanction(?:ed|ing)\b",
        # an easing taken back: "revoked the validated end-user (VEU) waivers", "terminating the VEU status"
        rf"\b(?:revok\w*|revocation of|terminat\w*|rescind\w*|withdr[ae]w\w*|cancel\w*|remov\w*){_GAP}"
        r"(?:\(?(?:validated|verified) end[- ]users?\)?(?:\s+\(?veu\)?)?(?:\s+(?:waivers?|status|programme|program))?|"
        r"\(?veu\)?(?:\s+(?:waivers?|status))?|waivers?|general licen[cs]es|export privileges)",
        r"\b(?:extend\w*|prolong\w*) (?:[^\s,;]+ ){0,3}?(?:export ban|embargo|suspension of (?:[^\s,;]+ ){0,3}?exports)\b",
        rf"\b(?:impos\w*|imposition of|introduc\w*|introduction of|expand\w*|expansion of|tighten\w*|"
        rf"tightening of|step\w* up|add\w*|unveil\w*|roll\w* out|put in place|enforc\w*){_GAP}{_RESTRICT_NOUN}\b",
        rf"\b{_RESTRICT_NOUN} (?:\w+ ){{0,4}}(?:introduced|imposed|placed|put in place) on (?:the )?{_TRADE_NOUN}",
        r"\b(?:require\w*|requiring) (?:[^\s,;]+ ){0,4}(?:permits|licen[cs]es)\b",
        r"\bkeep\w* (?:[^\s,;]+ ){1,5}out of\b",
        r"\bcrack\w* down on (?:[^\s,;]+ ){0,3}(?:smuggling|exports?)\b",
    ]),
    ("TARIFF", [
        rf"\b(?:impos\w*|imposition of|rais\w*|hik\w*|slap\w*|lev(?:y|ied|ies|ying)|doubl\w*|tripl\w*|"
        rf"increas\w*|set\w*|appl(?:y|ied|ies)){_GAP}{_DUTY_NOUN}\b",
        rf"\b{_DUTY_NOUN} (?:of|at) \d+(?:\.\d+)?\s?(?:%|percent)",
        # trade-remedy rulings: "imposed a preliminary dumping margin of 93.5%", "determined countervailing duties"
        rf"\b(?:impos\w*|determin\w*|revis\w*|assign\w*){_GAP}(?:dumping margins?|subsidy rates?|"
        rf"(?:cvd|countervailing|anti-?dumping)(?: duty)? rates?|countervailing duties|anti-?dumping duties)\b",
    ]),
    ("DEAL", [
        rf"\b(?:str(?:ike|uck)|clinch\w*|ink\w*|seal\w*|finali[sz]\w*|conclud\w*|reach\w*|enter\w* into|"
        rf"secur\w*|win\w*|land\w*|award\w*){_GAP}{_DEAL_NOUN}\b",
        r"\b(?:form\w*|set\w* up|establish\w*|creat\w*|launch\w*) (?:[^\s,;]+ ){0,4}joint ventures?\b",
    ]),
    ("INVEST", [
        rf"\b(?<!been )(?<!been conditionally )(?:finali[sz]\w*|secur\w*|receiv\w*|approv\w*|extend\w*|provid\w*|grant\w*|obtain\w*|"
        rf"take\w*|took|buy\w*|bought|acquir\w*|injec\w*){_GAP}{_MONEY_NOUN}\b",
        r"\b\d+(?:\.\d+)?\s?(?:%|percent) (?:equity )?(?:stake|interest|shareholding)\b",
        # loans and grants to projects (GUIDELINE.md) told by the sum: "committed €500 million", "awarded up to
        # $6.9 million", "the C$7 million committed by the Government of Québec"; not "has been awarded", whose
        # payer is named after
        rf"\b(?<!been )(?<!be )(?:commit\w*|award\w*|contribut\w*|provid\w*) {_SUM}",
        r"\b\d[\d.,]*\s*(?:million|billion|trillion|bn|m)?\s+(?:already\s+)?(?:committed|awarded|contributed)\s+by\b",
        rf"\bclos\w*{_GAP}(?:funding|financing|loan)\b",
    ]),
    ("POLICY", [
        rf"\b(?:pass\w*|approv\w*|introduc\w*|adopt\w*|unveil\w*|launch\w*|enact\w*|releas\w*|publish\w*|"
        rf"establish\w*|set\w* up|creat\w*){_GAP}{_POLICY_NOUN}\b",
        rf"\b{_POLICY_NOUN} (?:was|were|has been|had been) (?:passed|approved|introduced|adopted|enacted)\b",
        # a body or reserve set up: "will establish a European Critical Raw Materials Centre"
        rf"\b(?:establish\w*|set\w* up|creat\w*|launch\w*){_GAP}(?:reserve|centre|center|agency|task force)\b",
        # auctions of mining blocks: "initiated the auction process of 20 blocks"
        rf"\b(?:launch\w*|initiat\w*|start\w*|open\w*|began|begun|begin\w*|commenc\w*|conduct\w*){_GAP}auctions?\b",
        # designations (GUIDELINE.md): "classifies antimony as a critical mineral", "notified as critical and
        # strategic minerals", "identified a list of 47 strategic projects", "the status of strategic project"
        r"\bclassif\w* (?:[^\s,;]+ ){0,4}?as (?:an? )?(?:core |critical |strategic |key )",
        r"\b(?:notified|classified|designated|listed|recogni[sz]ed) as (?:an? )?(?:core |critical |strategic |key )",
        rf"\b(?:identif\w*|select\w*|chose|chosen){_GAP}(?:list of (?:[^\s,;]+ ){{0,3}}?)?(?:core|critical|strategic|key) "
        rf"(?:raw )?(?:minerals|materials|projects)\b",
        r"\bstatus of (?:an? )?strategic projects?\b",
        # licences taken away: "has revoked 51 mining licences", "whose licences were also rescinded"
        rf"\b(?:revok\w*|revocation of|cancel\w*|rescind\w*|repossess\w*|took back|taken back|take back){_GAP}"
        rf"(?:licen[cs]es?|concessions?|mining rights)\b",
        r"\b(?:licen[cs]es?|concessions?)\b(?: [^\s,;]+){0,4}? (?:were|was|have been|has been|had been|are|is) "
        r"(?:also )?(?:revoked|cancell?ed|rescinded|withdrawn)\b",
    ]),
    ("STATEMENT", [
        # diplomatic protest and declared support: "China summoned Tokyo's ambassador", "expressed support for"
        r"\bsummon\w* (?:[^\s,;]+ ){0,4}?(?:ambassador|envoy|charg[eé] d'affaires)\b",
        r"\b(?:express\w*|voic\w*|declar\w*) (?:its |their |his |her |strong |full )?(?:support|backing)\b",
    ]),
    ("TALKS", [
        r"\b(?:visit\w* to|trip to|(?:held|hold|holds|holding) (?:[^\s,;]+ ){0,2}(?:talks|consultations)|"
        r"(?:held|chair\w*|host\w*|convened) (?:[^\s,;]+ ){0,4}?(?:meetings?|dialogue|ministerial)\b|"
        r"spoke (?:by phone )?with|phone call with|conversation with)\b",
    ]),
])
FRAMES: dict[str, re.Pattern] = {t: re.compile("|".join(forms), re.I) for t, forms in FORMS.items()}
# all frames in one pattern (named groups): one scan per sentence; every frame starts with \b and a word
# character, hoisted in front of the alternation as in triggers.ANY_TRIGGER
assert all(form.startswith(r"\b") for forms in FORMS.values() for form in forms)
ANY_FRAME = re.compile(r"\b(?=\w)(?:" + "|".join(f"(?P<{t}>{rx.pattern})" for t, rx in FRAMES.items()) + ")", re.I)
# its case-folded twin for lower-cased ASCII sentences (fold.py: same matches, several times faster)
LOWER_FRAME = folded(ANY_FRAME)


def frame_matches(s: str) -> tuple[re.Match, ...]:
    """Every frame match in `s`, as `ANY_FRAME.finditer(s)` finds them."""
    return tuple(LOWER_FRAME.finditer(s.lower()) if s.isascii() else ANY_FRAME.finditer(s))
