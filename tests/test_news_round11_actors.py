"""Round 11 of the news pipeline (issue 15): who acts, by syntax. An agent after a participle on the
trigger noun ("tariffs imposed by Japan"), a subject inside a relative clause on it ("the curbs that
Japan announced"), the buyer of a sale ("X sold a stake to Y": Y invests), and co-investors ("X and Y
will invest": each invests). Every sentence here is written for the test."""
from __future__ import annotations

import datetime as dt

from chokepoint.news.extract import extract


def _events(gaz, text):
    return [(e.type, e.actor, e.target) for e in extract("d", text, dt.date(2025, 3, 4), gaz)]


def test_agent_of_a_participle_on_the_trigger_noun_acts(gaz):
    text = "Seoul said the step answers new port fees imposed by the United States on Korean-built ships."
    assert ("TARIFF", "USA", "KOR") in _events(gaz, text) or ("TARIFF", "USA", None) in _events(gaz, text)
    assert not [e for e in _events(gaz, text) if e[0] == "TARIFF" and e[1] == "KOR"]


def test_agent_after_an_adverb_and_participle_acts(gaz):
    text = "On Monday, South Korea ratified a trade agreement first announced by Japan in April."
    deals = [e for e in _events(gaz, text) if e[0] == "DEAL"]
    assert deals and deals[0][1] == "JPN" and deals[0][2] == "KOR"


def test_subject_of_a_relative_clause_on_the_trigger_noun_acts(gaz):
    text = "The new rules widen the export controls on graphite that Japan imposed last year."
    assert [e[1] for e in _events(gaz, text) if e[0] == "EXPORT_CONTROL"] == ["JPN"]


def test_buyer_of_a_sold_stake_invests(gaz):
    text = "Umicore will sell a 20% stake in its cathode plant to Korea Zinc for $300 million."
    invest = [e for e in _events(gaz, text) if e[0] == "INVEST"]
    assert invest and invest[0][1:] == ("Korea Zinc", "Umicore")


def test_parent_of_a_new_subsidiary_invests(gaz):
    text = "Umicore will become a subsidiary of Korea Zinc through a $2 billion equity acquisition."
    invest = [e for e in _events(gaz, text) if e[0] == "INVEST"]
    assert invest and invest[0][1:] == ("Korea Zinc", "Umicore")


def test_each_of_two_co_investors_invests(gaz):
    text = "Sojitz and Korea Zinc will invest $90 million in Lynas to expand its refinery."
    actors = sorted(e[1] for e in _events(gaz, text) if e[0] == "INVEST")
    assert actors == ["Korea Zinc", "Sojitz"]


def test_two_parties_signing_a_deal_stay_one_deal(gaz):
    text = "Sojitz and Korea Zinc signed a supply agreement for 5,000 tonnes of antimony."
    deals = [e for e in _events(gaz, text) if e[0] == "DEAL"]
    assert deals == [("DEAL", "Sojitz", "Korea Zinc")]


def test_an_agreement_between_two_parties_is_the_first_partys(gaz):
    text = "A supply deal was agreed on Monday between Sojitz and Korea Zinc."
    deals = [e for e in _events(gaz, text) if e[0] == "DEAL"]
    assert deals and deals[0][1:] == ("Sojitz", "Korea Zinc")


def test_possessor_of_a_sum_or_an_action_noun_acts(gaz):
    from chokepoint.news.extract import _actor, _heads
    from chokepoint.news.triggers import Trigger
    for s, word in [("The grant adds to Canada’s $90 million tax credit in Korea Zinc’s Ontario refinery.", "million"),
                    ("Korea Zinc was hit by Japan's decision to curb antimony exports.", "decision")]:
        heads = _heads(s, gaz.entities(s, None, {}, {}))
        at = s.index(word)
        actor = _actor(s, Trigger("INVEST", at, at + len(word), (0, len(s))), heads, None)
        assert actor is not None and actor.value == ("CAN" if "Canada" in s else "JPN"), s


def test_subject_of_an_agentless_passive_does_not_act(gaz):
    from chokepoint.news.extract import _actor, _heads
    from chokepoint.news.triggers import Trigger
    s = "Four Japanese firms were added to the export blacklist on Friday."
    heads = _heads(s, gaz.entities(s, None, {}, {}))
    at = s.index("export blacklist")
    trig = Trigger("EXPORT_CONTROL", at, at + len("export blacklist"), (0, len(s)))
    assert _actor(s, trig, heads, None) is None
    ministry = next(e for e in gaz.entities("China said so.", None, {}, {}) if e.value == "CHN")
    assert _actor(s, trig, heads, None, last_gov=ministry) is ministry


def test_subject_expected_to_act_is_no_passive(gaz):
    from chokepoint.news.extract import _actor, _heads
    from chokepoint.news.triggers import Trigger
    s = "Japan was expected to impose export controls on graphite on Friday."
    at = s.index("impose export controls")
    trig = Trigger("EXPORT_CONTROL", at, at + len("impose export controls"), (0, len(s)))
    assert _actor(s, trig, _heads(s, gaz.entities(s, None, {}, {})), None).value == "JPN"


def test_owner_of_a_list_acts_on_the_firms_added_to_it(gaz):
    from chokepoint.news.extract import _actor, _heads
    from chokepoint.news.triggers import Trigger
    s = "Four Japanese firms have been added to China's entity list."
    at = s.index("entity list")
    trig = Trigger("EXPORT_CONTROL", at, at + len("entity list"), (0, len(s)))
    assert _actor(s, trig, _heads(s, gaz.entities(s, None, {}, {})), None).value == "CHN"
