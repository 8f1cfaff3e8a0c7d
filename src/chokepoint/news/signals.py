"""Scenario hints: export-control, easing and alliance events mapped to the named stress-test
scenarios they bear on (an EXPORT_CONTROL by China on gallium raises `cn-ga-ge-ban`)."""
from __future__ import annotations

import pandas as pd

# (event type, actor or '*', material) -> scenarios; material slugs as in news_term.material
SCENARIOS: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("EXPORT_CONTROL", "CHN", "rare-earths"): ("cn-ree-6m", "cn-2025-licensing"),
    ("EXPORT_CONTROL", "CHN", "rare-earth-magnets"): ("cn-ree-6m", "cn-2025-licensing"),
    ("EXPORT_CONTROL", "CHN", "gallium"): ("cn-ga-ge-ban",),
    ("EXPORT_CONTROL", "CHN", "germanium"): ("cn-ga-ge-ban",),
    ("EXPORT_CONTROL", "CHN", "graphite"): ("cn-graphite-licensing",),
    ("EXPORT_EASING", "CHN", "rare-earths"): ("cn-ree-6m", "cn-2025-licensing"),
    ("EXPORT_EASING", "CHN", "gallium"): ("cn-ga-ge-ban",),
    ("EXPORT_EASING", "CHN", "germanium"): ("cn-ga-ge-ban",),
    ("EXPORT_EASING", "CHN", "graphite"): ("cn-graphite-licensing",),
}
REE = {"neodymium", "dysprosium", "terbium", "praseodymium", "rare-earths"}
DIRECTION = {"EXPORT_CONTROL": "raise", "EXPORT_EASING": "lower", "ALLIANCE": "consider"}
ALLIANCE_SCENARIO = "ally-sourcing"


def _material_keys(material: str) -> list[str]:
    return [material] + (["rare-earths"] if material in REE and material != "rare-earths" else [])


def signals(events: pd.DataFrame, materials: dict[str, str]) -> pd.DataFrame:
    """One row per (event, scenario): direction raise/lower/consider, with the evidence."""
    rows = []
    for ev in events.itertuples():
        if ev.type not in DIRECTION:
            continue
        mats = [materials[c] for c in ev.commodities if c in materials]
        hits: list[tuple[str, str | None]] = []
        if ev.type == "ALLIANCE":
            hits = [(ALLIANCE_SCENARIO, m) for m in mats] or [(ALLIANCE_SCENARIO, None)]
        for m in mats:
            for key in _material_keys(m):
                for actor in (ev.actor, "*"):
                    hits += [(sc, m) for sc in SCENARIOS.get((ev.type, actor, key), ())]
        for scenario, material in dict.fromkeys(hits):
            rows.append({"scenario": scenario, "direction": DIRECTION[ev.type], "type": ev.type,
                         "actor": ev.actor, "target": ev.target, "material": material,
                         "date": ev.date, "doc": ev.doc, "evidence": ev.evidence})
    return pd.DataFrame(rows, columns=["scenario", "direction", "type", "actor", "target",
                                       "material", "date", "doc", "evidence"])
