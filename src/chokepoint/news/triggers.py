"""Event triggers and the filters that decide whether a trigger reports a new, asserted event:
the trigger registry by type, clause boundaries, the scope of hedges and negation, background
and topic readings, stance verbs that take an event as their object, and anaphoric restatements."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from chokepoint.news.fold import fold_pattern, folded
from chokepoint.news.frames import frame_matches

_I = re.IGNORECASE
_DUTY = r"(?:tariffs?|duty|duties|surtax(?:es)?|surcharges?)"
# "oppose", not "the main opposition party" (a name, no stance)
_OPPOS = (r"oppos(?!ition\s+(?:[\w-]+\s+)?(?:part(?:y|ies)|lawmakers?|leaders?|bloc|camp|members?|politicians?|"
          r"coalition|people power))")
# a verdict on another party's act ("called the curbs unjustified", "was deeply regrettable") is a stance
_VERDICT = (r"[\"“]?(?:absolutely |deeply |totally |completely |extremely )?(?:unjustified|unacceptable|regrettable|"
            r"unfair|illegal|discriminatory|harmful|unreasonable)")
# event type -> trigger pattern; checked in this order, the first unfiltered match wins
TRIGGERS: dict[str, re.Pattern] = {t: re.compile(p, _I) for t, p in [
    ("EXPORT_EASING", r"\b(?:resum\w+ (?:[\w-]+ ){0,3}exports?|lift\w* (?:its |the )?(?:export )?"
                      r"(?:ban|restrictions|controls|curbs)|lifted export|suspend\w* (?:its |the )?"
                      r"(?:export )?ban|eas\w* (?:its |the )?(?:\w+ )?(?:ban|export controls|restrictions)|"
                      r"(?:suspend|lift|halt|scrap|drop|remov)\w* (?:[\w-]+ ){0,3}(?:ban|controls|restrictions|curbs|"
                      r"sanctions|measures)\b|"
                      r"waiver|exempt\w*|(?:approv|grant|issu)\w* (?:[\w-]+ ){0,2}(?:export licen[cs]es|licen[cs]es for "
                      r"(?:[\w-]+ ){0,4}(?:exports?|shipments?))|"
                      r"lift\w* (?:[\w-]+ ){0,3}(?:ban|restrictions|controls|curbs) on (?:[\w-]+ ){0,3}exports|"
                      r"remov\w* (?:[\w-]+ ){0,2}licen[cs]e requirements|"
                      r"export applications (?:had |have |has )?(?:been |were |was )?approved)"),
    ("EXPORT_CONTROL", r"\b(?:export controls?|export (?:ban|curbs|restrictions|licensing|quotas?)|"
                       r"(?:impos|introduc|tighten)\w* (?:[\w-]+ ){0,2}(?:controls|curbs)\b|"
                       r"(?:impos|slap)\w* (?:[\w-]+ ){0,2}sanctions|banned (?:[\w-]+ ){0,3}dealings|"
                       r"(?:require|need)\w* (?:[\w-]+ ){0,3}(?:export )?(?:permits?|licen[cs]es?)\b|"
                       r"(?:ban|prohibit|forbid|forbade|restrict|halt|stop|block|curb|suspend)\w* (?:all |the |its |their )?"
                       r"(?:[\w-]+ ){0,2}?(?:export(?:s|ing)?|shipments)\b|"
                       r"(?:exports?|export of|shipments?)\b[^;]{0,100}?\b(?:shall|will)\s+(?:not|no longer)\s+be\s+"
                       r"(?:permitted|allowed)|entity list|crackdown (?:[\w'’-]+ ){0,4}?on (?:[\w'’-]+ ){0,2}(?:chip|semiconductor|tech\w*|exports?|"
                       r"smuggling)\w*|(?:regulation|scrutiny) of (?:[\w-]+ ){0,2}exports)"),
    ("TARIFF", rf"\b(?:port fees|(?:cut|lower|reduc)\w* (?:[\w-]+ ){{0,3}}{_DUTY}\b|{_DUTY} (?:(?:on|for) (?:[\w-]+ ){{1,3}}?)?(?:will )?(?:drop|fall|be cut|be lowered)\w* (?:from \d+(?:\.\d+)?\s?(?:%|percent) )?to\b|"
               rf"(?:impos\w*|slap\w*|levi\w*|rais\w*|announc\w*|introduc\w*) (?:[\w%\"“”.-]+ ){{0,4}}"
               rf"{_DUTY}\b|\d+(?:\.\d+)?\s?(?:%|percent) (?:[\w\"“”-]+ ){{0,2}}{_DUTY} on\b|"
               rf"{_DUTY}\b[^,;]{{0,60}}?\b(?:were|was|have been|has been|had been) imposed|"
               rf"{_DUTY} (?:[\w-]+ ){{0,3}}?imposed by)\b"),
    ("MILITARY", r"\b(?:drills?|rammed|ramming|water cannons?|fired (?:on|at)\b|(?:military |joint |naval )?"
                 r"exercises?|fired (?:[\w-]+ ){0,3}missiles?|"
                 r"missile (?:test|launch)|test of (?:[\w-]+ ){0,3}missile|warships|troops|"
                 r"lock\w* (?:[\w-]+ ){0,3}radar|radar lock(?:-on)?|(?:approv|authori[sz])\w* (?:[\w’'-]+ ){0,6}"
                 r"(?:nuclear-powered )?submarines?)\b"),
    ("ALLIANCE", r"\b(?:launch\w* (?:the |a |an )?(?:[\w-]+ ){0,3}(?:framework|partnership|alliance)|"
                 r"(?:was|were) (?:launched|founded|formed) (?:in (?:19|20)\d\d )?by|"
                 r"join(?:s|ed|ing)? (?:the |a |an )?(?:[\w-]+ ){0,4}(?:alliance|partnership|bloc|"
                 r"pact|club|framework|coalition|initiative)|(?:launch|form)\w* (?:[\w-]+ ){0,6}dialogue|"
                 r"(?:launch|form)\w* (?:a|an|the) (?:[A-Z][\w-]* ){1,5}(?:Alliance|Partnership|Coalition)|"
                 r"join(?:s|ed|ing)? (?:the )?(?:[A-Z][\w-]* ){0,3}[A-Z][\w-]*, (?:the|a|an) (?:[\w-]+ ){0,3}"
                 r"(?:alliance|partnership|bloc|pact|club|framework|coalition|initiative))\b"),
    ("TALKS", r"\b(?:talks|summit|met(?! (?:the |its |their )?(?:[\w-]+ )?(?:demand|needs|targets?|requirements|"
              r"standards|deadlines?|goals?|criteria|expectations|quotas?)\b)|(?<!cabinet )meet(?:s|ing)?(?! (?:the |its |their )?"
              r"(?:[\w-]+ )?(?:demand|needs|targets?|requirements|standards|deadlines?|goals?|criteria|expectations|"
              r"quotas?)\b)|(?:attended|took part in|taken part in) (?:[\w.-]+ ){0,5}meeting|negotiations?|negotiated|(?:video |phone |telephone )?"
              r"call with)\b"),
    ("DEAL", r"\b(?:(?<!will )(?<!would )(?<!to )sign(?:s|ed|ing)?|agreements?|(?<!will )(?<!would )(?<!to )(?<!can )(?<!must )(?<!should )deals?|memorand(?:um|ums|a) of understanding|MoUs?|pact|offtake|"
             r"agreed to (?:buy|purchase|supply|sell)(?! [^,;]{0,40}?\b(?:stock|shares|stake|equity)\b)|"
             r"(?:(?:start|resume)\w* (?:buying|purchasing|importing)|(?:guarantee|commit|pledge|promise)\w* "
             r"(?:it will |to )(?:buy|purchase))(?! [^,;]{0,40}?\b(?:stock|shares|stake|equity)\b)|"
             r"(?:announc|unveil|strik|struck|form|enter)\w* (?:an? |the )?(?:[\w-]+ ){0,3}partnership (?:with|by|between)|"
             r"(?<!also )agree\w* (?:(?:on )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|in principle) )?"
             r"(?:to|on) (?!invest|buy|acquire|take)(?:[\w-]+ )?(?:walk back|roll back|de-escalate|coordinate|"
             r"cooperat\w*|continue|remove|strengthen|expand|work|establish|set up|create|activate|"
             r"intensify|deepen|resume)|reach\w* (?:a |an )?(?:[\w-]+ )?consensus)\b"),
    ("INVEST", r"\b(?:invest(?:s|ed|ing)?|stake in|acquir\w+|acquisitions?|equity (?:investment|stake|finance)|"
               r"(?:contribut|commit)\w* (?:[\w$€¥£.,-]+ ){0,6}(?:in equity|equity stake|stake)|"
               r"(?:broke|break\w*) ground on|"
               r"(?:buy|bought|purchas|acquir)\w* [^,;]{0,40}?\b(?:stock|shares|equity) in|"
               r"purchases? of (?:[\w-]+ ){0,2}shares|"
               r"(?:put|pour|inject|plough|plow)\w* [^;]{0,40}?\d[^;]{0,30}? into|"
               r"(?:approv|announc|mak|unveil|pledg|commit)\w* (?:[\w$€¥£₩₹.,-]+ ){0,4}investments?|"
               r"(?:approv|extend|provid|grant)\w* (?:[\w$€¥£₩₹.,-]+ ){0,5}loans? to|"
               r"(?:lend|lends|lent|lending) (?:[\w$€¥£₩₹.,-]+ ){1,5}to)\b"),
    ("SHIPMENT", r"\b(?:shipp(?!ing (?:industry|compan|firms?\b|lines?\b|sector|giant|group|business|costs?\b|rates?\b|routes?\b|lanes?\b))\w+|shipments?|cargo(?:es)?|deliver(?:ed|s|ing|ies)\b|loaded\b[^;]{0,80}?\b(?:onto|aboard)|"
                 r"bound for)\b"),
    ("POLICY", r"\b(?:strategy|stockpil\w*|reserve project|(?:price floor|floor price)|loan budget|subsid(?!iar)\w+|designat\w+|"
               r"allocat\w+|public funds|(?:rais\w+|set) (?:its |the )?target|tax credits?|"
               r"select\w* (?:[\w-]+ ){0,3}strategic projects|(?:adopt|unveil|pass)\w* (?:[\w-]+ ){0,4}"
               r"(?:act|plan|strategy|law|roadmap)|spend\w*|earmark\w*|rais\w* (?:[\w-]+ ){0,2}(?:royalt\w+|"
               r"levies|taxes)|(?:approv|launch|announc|unveil)\w* (?:[\w$€¥£₹.,()-]+ ){0,9}(?:funding|scheme|"
               r"package|programme|program|fund|incentives?|credit lines?|(?:loan|credit) facilit(?:y|ies))|"
               r"(?:issu|publish|sign|adopt)\w* (?:a |an |the )?(?:[\w-]+ ){0,2}(?:decree|ordinance|circular)|"
               r"(?:launch|open|start|initiat|began|begun|begin)\w* (?:a |an |the )?(?:[\w-]+ ){0,3}(?:investigation|probe|inquiry)|"
               r"(?:put|puts|placed?) (?:[\w'’-]+ ){1,4}under review)\b"),
    ("STATEMENT", rf"\b(?:{_OPPOS}\w+|condemn\w*|rebuke|accus(?:es|ed|ing|e)\b(?! of\b)|criticis\w+|criticiz\w+|welcom\w+|"
                  r"reject\w*|urg(?:e[sd]?|ing)\b|call(?:ed|ing) for\b|acknowledg\w+|stated|(?<!in a )(?<!in an )(?<!in its )(?<!in their )(?<!joint )(?<!short )(?<!press )statement(?!,? (?:said|says|read|added|noted)\b)|(?:ask\w*|call\w* on) (?!not to be )(?:[\w'’-]+ ){1,5}?to|"
                  r"den(?:y|ied|ies)|"
                  r"pledg\w+|vow\w*|willing to|did not accept|protest(?:s|ed)?|demanded|demands that|"
                  r"(?:express|voic)\w* (?:[\w-]+ ){0,2}(?:regret|concerns?|frustration|dissatisfaction|anger|"
                  r"discontent|opposition)|warn(?:s|ed)\b|(?:after|before|by) warning\b|"
                  r"threaten(?:s|ed) to\b|"
                  rf"(?:call\w*|describ\w*|termed|branded|labell?ed) (?:[\w'’\"“”-]+ ){{0,4}}?{_VERDICT}|"
                  rf"(?:was|is|were|are) {_VERDICT})\b"),
]}
# all triggers in one pattern: one scan per sentence instead of one per type. Every trigger starts
# with \b and a word character, so that check is hoisted in front of the alternation: `re` then
# rejects most positions at once instead of trying each branch (same matches, ~3x faster)
assert all(rx.pattern.startswith(r"\b") for rx in TRIGGERS.values())
ANY_TRIGGER = re.compile(r"\b(?=\w)(?:" + "|".join(f"(?P<{t}>{rx.pattern[2:]})" for t, rx in TRIGGERS.items())
                         + ")", _I)
# ASCII sentences are scanned lower-cased with the case-folded twin of the same alternation (fold.py:
# same matches, ~3x faster); built per type so the group names stay as they are
LOWER_TRIGGER = re.compile(r"\b(?=\w)(?:" + "|".join(f"(?P<{t}>{fold_pattern(rx.pattern[2:])})"
                                                    for t, rx in TRIGGERS.items()) + ")")


# a capitalised trigger word after a capitalised word is part of a name ("Hanwha Shipping LLC",
# "Korea Investment Corp"), not a trigger
IN_NAME_TYPES = {"SHIPMENT", "INVEST", "DEAL", "POLICY"}
NAME_BEFORE = re.compile(r"[A-Z][\w&.’'-]*\s+$")


def trigger_matches(s: str) -> tuple[re.Match, ...]:
    """Every trigger match in `s`, as `ANY_TRIGGER.finditer(s)` finds them (group names, spans),
    less trigger words inside a capitalised name."""
    found = LOWER_TRIGGER.finditer(s.lower()) if s.isascii() else ANY_TRIGGER.finditer(s)
    return tuple(m for m in found if not (m.lastgroup in IN_NAME_TYPES and _in_name(s, m)))


def _in_name(s: str, m: re.Match) -> bool:
    """Whether the match starts with a capitalised word after a capitalised word (part of a name)."""
    return s[m.start()].isupper() and bool(NAME_BEFORE.search(s, max(0, m.start() - 30), m.start()))


HOSTILE_WORDS = re.compile(r"oppos|condemn|rebuke|accus|critic|reject|den[yi]|not accept|protest|demand|"
                           r"regret|concern|unjustified|unacceptable|unfair|illegal|discriminatory|harmful|"
                           r"unreasonable", _I)
# hedges whose scope is what precedes them up to the end of the trigger's clause
# "may" the modal, not the month ("in May 2022", "on May 3", "early May": filters see folded text)
_MAY = r"(?<!\bin )(?<!\bon )(?<!\bof )(?<!\bby )(?<!since )(?<!early )(?<!\blate )(?<!\bmid-)may(?!\s+\d)"
MODAL = re.compile(rf"\b(?:could|{_MAY}|might|likely|unlikely|expected|expects?|threaten\w* to|(?:is|are) willing to|"
                   r"(?:is|are) ready to|hopes? to|(?:is|are|was|were|been) (?:pressing|seeking|trying|aiming) to|tr(?:y|ies) to|"
                   r"seeks? to|sought to|aims? to|wants? to|(?:is|are) set to|"
                   r"projected|project (?:should|to)|forecast\w*|consider\w*|weigh(?:s|ing)?|mull\w*|"
                   r"propos\w+|claimed|if|whether|possibly|potential(?:ly)?|aims? to|hope[sd]?)\b", _I)
# deontic modals and requests: what someone should do or is urged to do has not happened ("it
# should use that seat", "urged Brussels to drop the duties"); the recommendation or request itself
# may still be a statement
DEONTIC = re.compile(r"\b(?:should|must|ought to|(?<!the )(?<!a )needs? to|(?:urg(?:e[sd]?|ing)|ask\w*|call\w*) (?:on )?(?:[\w'’-]+ ){0,4}to|"
                     r"(?:is|was|are|were|it's) (?:important|essential|vital|necessary|crucial) (?:for|to|that))\b", _I)
# hedges on the source: they cast doubt on the whole sentence wherever they stand
# ("X will sign the deal next week, analysts said")
SOURCE_HEDGE = re.compile(r"\b(?:(?:analysts?|experts?|observers|sources|traders) "
                          r"(?:say|said|says|suggest\w*|expect\w*|believe\w*)|people familiar|according to "
                          r"(?:[\w-]+ ){0,3}(?:analysts?|sources|people|reports?|media))\b", _I)
# a hedging adverb ("reportedly", "rumoured to") casts doubt on its own clause and what follows it, not on
# a clause that ends before it ("DoD provided a loan, while X will finance ..., reportedly increasing ...")
HEDGE_ADVERB = re.compile(r"\b(?:reportedly|rumou?r\w*)\b", _I)
# a modal in a phrase that describes the trigger's object ("banned exports of items with potential military
# uses", "controls that could hit carmakers") says nothing of the event itself; "so that" opens a purpose
OBJECT_MODIFIER = re.compile(r"\b(?:(?<!so )(?<!such )(?<!order )that|which|with)\b", _I)
# a quotation closed before the trigger's clause ("'I hope ...,' Lee said in the meeting"): its modals are
# the speaker's words, not hedges on the clause that reports them
QUOTED = re.compile(r"[\"“][^\"“”]{3,}[\"”]")
# a denial of a report or rumour: neither the denied content nor the denial itself is an event
DENIAL = re.compile(r"\bden(?:y|ied|ies|ying)\s+(?:that|(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,2}(?:reports?|claims?|talk|"
                    r"rumou?rs?|speculation|allegations?|suggestions?))\b", _I)
WOULD = re.compile(r"\bwould\b", _I)
# a deontic modal on a stance verb itself ("both countries should jointly oppose ...")
OUGHT = re.compile(r"\b(?:should|must|ought to)\s+(?:[\w-]+ly\s+)?$", _I)
# a meeting that has not happened yet is no event (GUIDELINE.md); checked for TALKS only, since "a
# dialogue that will meet twice a year" describes an agreed thing
PLANNED = re.compile(r"\b(?:will (?:host|hold|meet|visit)|(?:is|are|was|were) scheduled|(?:is|are) due to)\b", _I)
# so is a signing still to come ("Yoon and Trudeau will sign an agreement", "plans to sign contracts"): checked
# for DEAL up to the trigger, since a pledge to buy is a deal (GUIDELINE.md)
SIGNING_AHEAD = re.compile(r"\b(?:will|would|(?:plans?|set|due|expected|going|is|are) to) sign\b", _I)
# background, not news: a clause opened by "when"/"since"/"after", a relative clause ("most of
# which is shipped"), or one dated to an earlier period ("since 2010", "after ... in 2019")
BACKGROUND = re.compile(r"^\W*(?:when|since|after|once|because|following|ahead of|during|amid)\b", _I)
# "ahead of the summit at the end of this month": what the clause names has not happened yet
AHEAD = re.compile(r"\W*ahead of\b", _I)
# "a day after", "hours after": a subordinate clause of the last few days is news, not background
RECENT = re.compile(r"\b(?:(?:a|one|two|three|four|five|six|several|a few|\d+)\s+(?:days?|hours?|weeks?)|hours|days|"
                    r"shortly|just|minutes)\s+$", _I)
# background stated with its time ("after Beijing imposed controls in December") is an event (GUIDELINE.md)
WHEN = re.compile(r"\b(?:in|on|since|at the (?:start|end) of)\s+(?:early |late |mid-)?(?:(?:19|20)\d\d|january|february|"
                  r"march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|"
                  r"aug|sept?|oct|nov|dec|the month|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
                  r"\b(?:last|this|earlier this) (?:year|month)\b|\b(?:in )?recent (?:days|weeks|months)\b|"
                  r"\b(?:\w+|\d+) (?:years?|months?|weeks?) ago\b|\blast (?:week|month|year|fall|spring|summer|winter)\b", _I)
# a trigger noun that modifies another noun ("the export control dialogue", "tariff talks") names a topic
COMPOUND = re.compile(r"\s+(?:dialogue|mechanism|consultations?|working group|forum|talks|cooperation)\b", _I)
# checked up to the next comma or semicolon, past the subordinator that ends the clause
DATED = re.compile(r"^[^,;]*?(?:\bsince (?:early |late |mid-)?(?:19|20)\d\d\b|\bafter\b[^,;]*\bin (?:19|20)\d\d\b)", _I)
# "The move comes as ...", "It came days after ...", "... comes at a time when ...": what follows is the news the sentence reports
NEWS_AFTER = re.compile(r"^\W*(?:the|this|that|it)\s+(?:[\w-]+\s+){0,2}(?:comes?|came)\s+(?:(?:just\s+)?(?:a|one|two|"
                        r"three|\d+|several|a few)\s+(?:days?|weeks?|months?)\s+)?(?:as|after|amid|following|at a time when)\b", _I)
# a relative clause inside the trigger's clause ("a deal that took two years to negotiate") describes
# the noun phrase it hangs on; "that" after a reporting verb ("said on Tuesday that") opens a complement
RELATIVE_IN = re.compile(r"\b(?:a|an|the|its|their|this)\s+(?:[\w-]+\s+){0,3}?(that|which)\s+(?:[\w-]+\s+){0,6}$", _I)
COMPLEMENT = re.compile(r"\b(?:said|says|announced|announces|confirmed|confirms|stated|states|added|adds|noted|notes|"
                        r"reported|reports|revealed|reveals|agreed|decided|"
                        r"warned|insisted|argued|believes?|believed|expects?|hopes?|told|acknowledged|showed|shows|"
                        r"denied|claimed|disclosed|indicated|flagged|signall?ed|stressed|emphasi[sz]ed|reiterated|"
                        r"declared|explained|mentioned|admitted)\b(?:\s+[\w-]+){0,5}\s*$", _I)
RELATIVE_LEAD = re.compile(r"\b(?:which|who|whom|whose)\s*$", _I)
# "X said it would ..." announces; "officials said the deal would help" predicts
ANNOUNCED = re.compile(r"\b(?:said|says|stated|announced)\b[^,;]*?\b(?:it|they|he|she|we)\b[^,;]{0,60}?"
                       r"\bwould\b|\bannounced\b[^,;]*?\bthat\b[^,;]{0,60}?\bwould\b", _I)
NEGATION = re.compile(r"\b(?:not(?!\s+only\b)|never|no|neither|nor|without|yet to)\b|n't\b", _I)
# clause boundaries: punctuation, coordinators, a conjoined reporting verb ("... and said the
# duties would ...") and, zero-width so the clause keeps its opener, subordinators that start
# background clauses in mid-sentence ("... since Beijing tightened its controls")
CLAUSE_BREAK = re.compile(r",(?!\d)|[;:—–(]|\b(?:but|while|meaning|although|though|whereas|which|as)\b|"
                          r"\band (?:also )?(?=(?:said|says|added|warned|told|noted|stressed)\b)|"
                          r"(?=\b(?:since|because|when|after|once|until)\b)")
# a trigger that is the topic of something else, not an event: the object of a topic preposition
# ("talks on export controls", "concerns over the deal") or of an inquiry-like noun ("an
# investigation of Chinese subsidies"); the words between are modifiers, never a verb or a date
_MODIFIERS = (r"(?:(?!(?:to|but|that|which|it|they|will|would|has|have|had|was|is|were|are|"
              r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b)[A-Za-z][\w'’-]*\s+){0,6}")
# ("on the sidelines of talks" places something at an event that took place, "Under Secretary" is a title)
TOPIC = re.compile(rf"(?:(?<!agreed )(?<!decided )\b(?:on|about|over|regarding|concerning|into|against|under)"
                   rf"(?!\s+the\s+(?:sidelines|margins|eve)\b|\s+Secretary\b)|"
                   rf"\b(?:investigation|probe|inquiry|review|study|use|impact|effects?|threat|risk|"
                   rf"fears?|concerns?|criticism|debate|wave|spectre|prospect)s? of)\s+{_MODIFIERS}$", _I)
# stance verbs that take an event as their object: "China condemned the US tariffs" is a statement
SOURCED = re.compile(r"\baccording to (?:a |an |the |its |their )?(?:[\w.’'-]+ ){0,3}$", _I)
AGREEMENT_NOUN = re.compile(r"(?:agreements?|deals?|pacts?|accords?)\b", _I)
HOLDING = re.compile(r"\b(?:holds?|held|had|has|have|owns?|owned|holding|retain\w*|keep\w*)\s+(?:a |an |the |its |their )?(?:[\w.%-]+ ){0,3}$", _I)
STANCE = re.compile(rf"\b(?:{_OPPOS}|condemn|rebuk|accus|criticis|criticiz|welcom|reject|protest|urg(?:e[sd]?|ing)\b|"
                    r"den(?:y|ied|ies)|demand|slam|denounc|(?:ask\w*|call\w* on) (?!not to be )(?:[\w'’-]+ ){1,5}?to|"
                    r"(?:express|voic)\w* (?:[\w-]+ ){0,2}(?:regret|concern))", _I)
# a clause whose subject is an event already reported ("The deal is the largest ...", "The
# investment comes as ...") describes it; it adds no new event
_EVENT_NOUN = (r"(?:deal|agreement|accord|pact|contract|investment|acquisition|stake|shipment|cargo|talks|"
               r"summit|meeting|signing|ceremony|plan|strategy|tariffs?|duties|controls|ban|move|decision|project|"
               r"purchase|drills|exercises|quotas?|alliance|partnership|scheme|programme|program)")
# ("It is the first ...", "This was the largest ..." describe the event just reported); a concessive
# opening keeps the subject it restates ("While the deal does give details, ...")
RESTATEMENT = re.compile(rf"^\W*(?:(?:while|although|though|even though|whereas)\s+)?(?:(?:it|this)\s+(?:is|was)\s+(?:the|its)\s+(?:first|second|third|latest|"
                         rf"largest|biggest|last)\b|"
                         rf"(?:the|this|that|these|those|its|their)\s+(?:[\w-]+\s+){{0,2}}{_EVENT_NOUN}"
                         r"(?:\s+(?:(?:is|are|was|were)\s+(?:the|a|an|its|their|one|part|worth|valued|seen|meant|"
                         r"designed|aimed|among|also|set|expected|likely|launched|announced|formed|created)|"
                         r"does|did|marks?|marked|comes?|came|(?:took|takes) place|represents?|follows?|followed|"
                         r"underscores?|highlights?|adds?|brings?|would|could|will|should|makes?|remains?)|"
                         r"\s*,\s*(?:which|announced|unveiled|signed|launched)))\b", _I)
# a sentence whose subject is a trade deal already reported ("The new deal will set tariffs at 15%")
DEAL_SUBJECT = re.compile(r"^\W*(?:the|this|that)\s+(?:[\w-]+\s+){0,2}(?:deal|agreement|accord|pact)\s+"
                          r"(?:will|would|sets?|cuts?|lowers?|caps?)\b", _I)
# a leading phrase that points at an event already reported ("Under the deal, ...")
REFERS_BACK = re.compile(rf"^\W*(?:under|as part of|through)\s+(?:the|this|that|its|their)\s+(?:[\w-]+\s+){{0,2}}"
                         rf"{_EVENT_NOUN}\s*,", _I)
# a leading phrase set at an event already reported ("At the meeting,", "During the talks,"): its noun is no new event
POINTS_BACK = re.compile(rf"^\W*(?:at|during|in|on the sidelines of)\s+(?:the|this|that|its|their)\s+(?:[\w-]+\s+){{0,2}}"
                         rf"{_EVENT_NOUN}\s*,", _I)
# "the two companies", "both countries", "the ministry", "it": the subject refers back
_ORG_NOUNS = (r"company|companies|firm|firms|group|groups|miner|producer|refiner|maker|smelter|trading house|"
              r"carmaker|automaker|chipmaker|conglomerate|operator|developer|venture")
COREF = re.compile(rf"^\W*(?:(?:the|both)\s+(?:two\s+|three\s+)?(?:[\w-]+\s+)?(?:ministry|ministries|government|"
                   rf"governments|country|countries|administration|ministers?|sides|leaders|officials|regulator|"
                   rf"agency|commission|bloc|partners|{_ORG_NOUNS})|it|they)\b", _I)
# "he", "she": the last person named
PERSON_COREF = re.compile(r"^\W*(?:he|she)\b", _I)
# a singular company noun ("the company said") names the last company in subject position
ORG_COREF = re.compile(rf"^\W*the\s+(?:[\w-]+\s+)?(?:{_ORG_NOUNS})\b(?<!s\b)", _I)
# a plural reference back ("the two companies signed"): actor and counterpart both come from before
PLURAL_COREF = re.compile(r"^\W*(?:the\s+(?:two|three)|both)\b", _I)


@dataclass
class Trigger:
    type: str
    start: int
    end: int
    clause: tuple[int, int]


def clause(s: str, start: int, end: int) -> tuple[int, int]:
    """The clause (start, end) holding the span start..end."""
    a = max((m.end() for m in CLAUSE_BREAK.finditer(s, 0, start)), default=0)
    nxt = CLAUSE_BREAK.search(s, end)
    return a, nxt.start() if nxt else len(s)


def speculative(s: str, end: int, rx: Callable[[re.Pattern], re.Pattern] = lambda p: p, start: int = 0) -> bool:
    """Hedged: a modal in s[start:end] (from the sentence's start, or a subordinate clause's, to the
    end of the trigger's clause), an unannounced 'would' there, or a hedged source anywhere in the
    sentence, or a hedging adverb up to `end` (`rx` picks the patterns, see `find_trigger`)."""
    text = s[start:end]
    if rx(MODAL).search(text) or rx(SOURCE_HEDGE).search(s) or rx(DENIAL).search(s) \
            or rx(HEDGE_ADVERB).search(s, 0, end):
        return True
    return bool(rx(WOULD).search(text)) and not rx(ANNOUNCED).search(text)


def _filtered(s: str, type_: str, m: re.Match | tuple[int, int], a: int, b: int,
              rx: Callable[[re.Pattern], re.Pattern]) -> bool:
    """Whether the trigger `m` (a match or a (start, end) span; clause a..b) reports no new asserted event."""
    start, end = m if isinstance(m, tuple) else (m.start(), m.end())
    background = rx(BACKGROUND).match(s[a:b])
    # a subordinate clause ("after Trump threatened to ...") is outside the main clause's hedges; a
    # statement's hedges are what it says ("warned that prices could rise"), not hedges on it, and a
    # threat is itself a stance
    threat = type_ == "STATEMENT" and s.startswith("threaten", start)
    scope = (a if background else 0, start if threat else end if type_ == "STATEMENT" else b)
    news = rx(NEWS_AFTER).match(s)  # "The move comes as X did Y": Y is news, neither background nor a restatement
    if news and start >= news.end():
        background = None
    back = rx(POINTS_BACK).match(s)  # "At the meeting, they ...": that meeting was reported already
    modifier = rx(OBJECT_MODIFIER).search(s, end, scope[1]) if type_ != "STATEMENT" else None
    if (back and end <= back.end()) or speculative(_unquoted(s, a), modifier.start() if modifier else scope[1], rx, scope[0]) \
            or rx(DATED).match(s[a:]) \
            or rx(RELATIVE_LEAD).search(s[:a]) \
            or rx(COMPOUND).match(s, end) or (type_ == "TALKS" and rx(PLANNED).search(s, 0, b)) \
            or (type_ == "DEAL" and rx(SIGNING_AHEAD).search(s, a, end)):
        return True
    if background and (rx(AHEAD).match(s, a) or not rx(RECENT).search(s, max(0, a - 20), a)
                       and not rx(WHEN).search(s, a, b)):
        return True
    rel = rx(RELATIVE_IN).search(s, a, start)
    if rel and not rx(COMPLEMENT).search(s, a, rel.start(1)):
        return True
    # a sentence opening on a reported event ("The deal will ...") restates it up to its next main clause;
    # the tariff rate a trade deal sets is an event of its own (GUIDELINE.md), and so is the easing of a
    # reported control ("the ban will now be suspended")
    rate = (type_ == "TARIFF" and bool(rx(DEAL_SUBJECT).match(s))) or type_ == "EXPORT_EASING"
    if (rx(RESTATEMENT).match(s[a:]) and not rate) or (rx(RESTATEMENT).match(s) and not background and not news
                                                       and not rate and not MAIN_BREAK.search(s, 0, start)) \
            or rx(TOPIC).search(s, max(0, start - 80), start):
        return True
    if type_ != "STATEMENT" and (rx(STANCE).search(s, a, start) or rx(DEONTIC).search(s, 0, b)):
        return True
    # "will hold a 70% stake in", "the state holds a 51 percent stake": a stake held, not one bought
    if type_ == "INVEST" and "stake" in s[start:end] and rx(HOLDING).search(s, max(0, start - 40), start):
        return True
    # "Chile has a free-trade agreement with the US": an agreement held, not one signed
    if type_ == "DEAL" and rx(AGREEMENT_NOUN).match(s, start) and rx(HOLDING).search(s, max(0, start - 40), start):
        return True
    # "..., according to a MOFCOM statement": the statement sources the report, it takes no stance
    if type_ == "STATEMENT" and s.startswith("statement", start) and rx(SOURCED).search(s, max(0, start - 40), start):
        return True
    if type_ == "STATEMENT" and rx(OUGHT).search(s, a, start):  # "both should oppose": a stance asked for
        return True
    # a negation inside the trigger is its meaning ("exports shall not be permitted"), not a denial of it
    return type_ != "STATEMENT" and any(not start <= n.start() < end for n in rx(NEGATION).finditer(s, 0, b))


def _unquoted(s: str, before: int) -> str:
    """`s` with each quotation whose closing mark stands by `before` blanked out (same length, offsets kept)."""
    for m in QUOTED.finditer(s):
        if m.end() - 1 <= before:
            s = s[:m.start()] + " " * (m.end() - m.start()) + s[m.end():]
    return s


# the filters' case-folded twins, for lower-cased ASCII sentences (fold.py says why)
FOLDED: dict[re.Pattern, re.Pattern] = {p: folded(p) for p in (
    MODAL, SOURCE_HEDGE, HEDGE_ADVERB, OBJECT_MODIFIER, DENIAL, NEWS_AFTER, OUGHT, WOULD, PLANNED, SIGNING_AHEAD, ANNOUNCED, DATED, RELATIVE_LEAD, COMPOUND, BACKGROUND, AHEAD,
    RECENT, WHEN,
    RELATIVE_IN, COMPLEMENT, RESTATEMENT, DEAL_SUBJECT, POINTS_BACK, TOPIC, STANCE, DEONTIC, NEGATION, HOLDING, SOURCED, AGREEMENT_NOUN)}


# main clauses joined in one sentence ("China raised tariffs on Friday, and its commerce ministry
# announced export controls"; "...; ..."): each reports its own event. A conjoined reporting verb
# (", and said ...") continues the same clause
MAIN_BREAK = re.compile(r";\s+|,\s+but\s+|,\s+and\s+(?!(?:also\s+)?(?:said|says|added|warned|told|noted|stressed)\b)")


def find_trigger(s: str) -> Trigger | None:
    """The first trigger, in registry order, that reports a new asserted event (see `_filtered`);
    statements are kept when negated ("did not accept" is a stance)."""
    found = [(m.lastgroup, m) for m in trigger_matches(s)]
    return _first(s, found) if found else None


# a control named with its own introduction ("export controls introduced on October 9"), told beside its easing
INTRODUCED = re.compile(r"\s+(?:first\s+)?(?:introduced|imposed|announced|revealed|unveiled|adopted)\s+(?:on|in|last)\b")
# a sentence opening on the introduction of what it then eases ("Imposed in December 2024, the ban ...")
LEADING_INTRO = re.compile(r"^\W*(?:(?:earlier|first|originally)\s+)?((?:introduced|imposed|announced|adopted))\s+"
                           r"(?:in|on|last)\b[^,;]{0,40},", _I)
# types a clause can report together with the first one found
PAIRED = {"DEAL": ("TARIFF", "TALKS"), "TARIFF": ("DEAL",), "TALKS": ("DEAL",)}


# a sentence's trigger and frame matches (`scan`), handed on so that no one scans it twice
Scanned = tuple[tuple[re.Match, ...], tuple[re.Match, ...]]


def scan(s: str) -> Scanned:
    """The sentence's trigger and frame matches, scanned once for `find_triggers` and the sentence typer."""
    return trigger_matches(s), frame_matches(s)


def find_triggers(s: str, scanned: Scanned | None = None) -> list[Trigger]:
    """`find_trigger` of each main clause of the sentence (see MAIN_BREAK), in order; `scanned` is
    `scan(s)` when the caller has it."""
    matches, frame_hits = scanned or scan(s)
    found = [(m.lastgroup, m) for m in matches]
    # a sentence that refers back ("Under the deal, ...") adds details to a reported event, not a frame's event
    framed = [] if REFERS_BACK.match(s) else [(m.lastgroup, m) for m in frame_hits if not _in_name(s, m)]
    if not found and not framed:
        return []
    cuts = [0] + [m.end() for m in MAIN_BREAK.finditer(s)] + [len(s) + 1]
    out = []
    for lo, hi in zip(cuts, cuts[1:]):
        part = [(t, m) for t, m in found if lo <= m.start() < hi]
        hit = _first(s, part) if part else None
        frames = [(t, m) for t, m in framed if lo <= m.start() < hi]
        # "would pause for one year export controls": the easing of a control is the clause's event
        easing = next((m for t, m in frames if t == "EXPORT_EASING" and hit is not None and hit.type == "EXPORT_CONTROL"
                       and m.start() < hit.end and hit.start < m.end()), None)
        eased = _first(s, [("EXPORT_EASING", easing)]) if easing is not None else None
        # "revoked the VEU waivers": an easing taken back, its verb before the easing word, is a control
        revoked = next((m for t, m in frames if t == "EXPORT_CONTROL" and hit is not None and hit.type == "EXPORT_EASING"
                        and m.start() < hit.start < m.end()), None)
        if revoked is not None:
            hit = _first(s, [("EXPORT_CONTROL", revoked)]) or hit
        if eased is not None:
            # "controls introduced on October 9" are themselves an event the sentence states
            if INTRODUCED.match(s, hit.end):
                out.append(hit)
            hit = eased
        if hit is not None:
            out.append(hit)
            # a trade agreement's tariff rate is a TARIFF event beside its DEAL (GUIDELINE.md)
            for pair in PAIRED.get(hit.type, ()):
                extra = _first(s, [(t, m) for t, m in part if t == pair])
                if extra is not None and (pair != "TALKS" and hit.type != "TALKS" or extra.clause != hit.clause):
                    out.append(extra)
            # a frame of another type, away from the trigger, is a second event of the clause (not a
            # visit: a leader's trip is the setting of the clause's event, not a second one)
            frames = [(t, m) for t, m in frames if t not in (hit.type, "TALKS")
                      and (m.start() >= hit.end or m.end() <= hit.start)]
        # with no listed trigger, a frame may report the event: the first in the clause that passes the filters
        extra = next((t for t in (_first(s, [f]) for f in sorted(frames, key=lambda f: f[1].start())) if t), None)
        if extra is not None:
            out.append(extra)
    lead = LEADING_INTRO.match(s) if any(t.type == "EXPORT_EASING" for t in out) else None
    if lead is not None:  # "Imposed in December 2024, the ban will now be suspended": the control is told too
        out += [t for t in [asserted_at(s, "EXPORT_CONTROL", *lead.span(1))] if t is not None]
    return sorted(out, key=lambda t: t.start)


def _first(s: str, found: list[tuple[str, re.Match]]) -> Trigger | None:
    """The first of the `found` trigger matches, in registry order, that `_filtered` keeps."""
    # clauses are cut on the sentence as written (CLAUSE_BREAK is case-sensitive), filters on its folded form
    text, rx = (s.lower(), FOLDED.__getitem__) if s.isascii() else (s, lambda p: p)
    for type_ in TRIGGERS:
        for m in (m for t, m in found if t == type_):
            a, b = clause(s, m.start(), m.end())
            if not _filtered(text, type_, m, a, b, rx):
                return Trigger(type_, m.start(), m.end(), (a, b))
    return None


def asserted_at(s: str, type_: str, start: int, end: int) -> Trigger | None:
    """A trigger of `type_` at s[start:end] (a word the sentence typer picked), unless the filters
    of `_filtered` say it reports no new asserted event."""
    text, rx = (s.lower(), FOLDED.__getitem__) if s.isascii() else (s, lambda p: p)
    a, b = clause(s, start, end)
    return None if _filtered(text, type_, (start, end), a, b, rx) else Trigger(type_, start, end, (a, b))


def restates(s: str) -> str | None:
    """The type of an event a sentence restates ("The deal is worth ...", "Under the deal, X will
    provide $40 million"), else None."""
    if not (RESTATEMENT.match(s) or REFERS_BACK.match(s)):
        return None
    found = trigger_matches(s)
    return found[0].lastgroup if found else None
