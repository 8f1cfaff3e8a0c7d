"""`Exposure`: the library API behind `chokepoint exposure`, `chokepoint screen` and the web.

It gathers flows from the store (bundled `trade` extracts and imported `trade_flow`),
attaches material and stage from `trade_code`, and hands them to the pure metrics in
`trade.exposure`. Published shares (`import_share`, `import_total`) fill stages that have
no bilateral rows, and every row says where it comes from (`source`, `basis`, `mirror`).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from chokepoint import countries, settings
from chokepoint.errors import BadInput, NotFound, list_as_string
from chokepoint.trade import baci, comtrade, criticality, exposure, screen, sectors
from chokepoint.trade.concentration import stage_concentration
from chokepoint.trade.importer import MAX_BAD, Filters, ImportReport, flows_sql

# Where a flow's figure comes from, best first: when bundled extracts and imported files
# both hold the same (year, exporter, importer, code), the better-ranked row is used.
BASIS_RANK = {"reconciled": 0, "importer-reported": 1, "exporter-reported": 2, "mirror": 3}
FLOW_COLUMNS = ["year", "exporter", "importer", "code", "value_usd", "quantity_t", "basis",
                "source", "origin"]


class Exposure:
    """Import dependency of any country, for any material, code, stage, sector or bloc."""

    def __init__(self, workbench):
        self.wb = workbench
        self.store = workbench.store

    # -- reference look-ups ---------------------------------------------------------------
    def country(self, name: str | None) -> str:
        """ISO3 code of a country name or code (default: the `country` setting)."""
        code = countries.to_iso3(name or settings.get("country"))
        if code is None:
            raise BadInput(f"unknown country '{name}'", field="--country",
                           hint="use an ISO3 code such as KOR, or an English name")
        return code

    def bloc(self, bloc: str | None) -> tuple[str, frozenset[str]]:
        """(name, members) of a bundled bloc, or of a user bloc given as 'USA,JPN,AUS'.

        A member 'EUN' (the European Union) stands for the members of bloc 'EU'.
        """
        if not bloc:
            return "bloc", frozenset()
        if "," in bloc:
            members = [self.country(c) for c in bloc.split(",") if c.strip()]
            return "bloc", frozenset(members)
        rows = self.store.df("SELECT iso3 FROM bloc WHERE upper(bloc) = upper(?)", [bloc])
        if rows.empty:
            known = self.store.df("SELECT DISTINCT bloc FROM bloc ORDER BY 1")["bloc"].tolist()
            raise NotFound(f"unknown bloc '{bloc}'", field="--bloc",
                           hint=f"blocs are {list_as_string(known)}, or give ISO3 codes 'USA,JPN'")
        members = set(rows["iso3"])
        if "EUN" in members and bloc.upper() != "EU":
            members |= self.bloc("EU")[1]
        return bloc.upper(), frozenset(members - {"EUN"})

    def codes(self, material: str | None = None, stage: str | None = None) -> pd.DataFrame:
        """Trade codes of a material (or family) and stage: code, family, material, stage."""
        df = self.store.df("SELECT DISTINCT code, family, coalesce(material, family) AS material, "
                           "stage FROM trade_code ORDER BY code")
        if material:
            df = df[(df["family"] == material) | (df["material"] == material)]
            if df.empty:
                raise NotFound(f"no trade codes for material '{material}'", field="--material",
                               hint="see 'chokepoint data show trade_code'")
        if stage:
            df = df[df["stage"] == stage]
        return df.drop_duplicates("code").reset_index(drop=True)

    # -- flows ----------------------------------------------------------------------------
    def flows(self, country: str | None = None, material: str | None = None,
              code: str | list[str] | None = None, stage: str | None = None,
              year: int | None = None, dataset: str | None = None) -> pd.DataFrame:
        """Bilateral flows into `country` with material and stage attached, one row per
        (year, exporter, importer, code): imported files first, bundled extracts after.

        `mirror` is True where the figure is the exporter's report (e.g. China's exports by
        partner standing in for the partner's imports from China).
        """
        where, params = ["value_usd > 0"], []
        if country:
            where.append("importer = ?")
            params.append(self.country(country))
        if year is not None:
            where.append("year = ?")
            params.append(int(year))
        codes = self.codes(material, stage) if (material or stage) else None
        if code:
            wanted = [code] if isinstance(code, str) else list(code)
            where.append("(" + " OR ".join("starts_with(code, ?)" for _ in wanted) + ")")
            params += wanted
        imported = ("SELECT year, exporter, importer, code, value_usd, quantity_t, basis, "
                    f"dataset AS source, 'imported' AS origin FROM {flows_sql(self.store.con)}")
        if dataset:
            imported += " WHERE dataset = ?"
        bundled = "SELECT year, exporter, importer, code, value_usd, quantity_t, basis, source, " \
                  "'bundled' AS origin FROM trade"
        sql = f"SELECT * FROM ({imported} UNION ALL {bundled}) WHERE {' AND '.join(where)}"
        df = self.store.df(sql, ([dataset] if dataset else []) + params)
        df = self._attach_codes(df, codes)
        df["rank"] = df["basis"].map(BASIS_RANK).fillna(9) + (df["origin"] == "bundled") * 0.5
        df = (df.sort_values(["rank", "source"], kind="mergesort")
              .drop_duplicates(["year", "exporter", "importer", "code"]).drop(columns="rank"))
        df["mirror"] = df["basis"].isin(["exporter-reported", "mirror"])
        return df.sort_values(["year", "importer", "code", "exporter"]).reset_index(drop=True)

    def _attach_codes(self, df: pd.DataFrame, codes: pd.DataFrame | None) -> pd.DataFrame:
        """Material and stage of each flow's code: exact match, else its HS6 heading."""
        full = self.codes()
        table = full if codes is None else codes
        exact = table.set_index("code")
        hs6 = df["code"].str[:6]
        # A national line mapped to another material keeps it: it never falls back to its heading.
        own_line = df["code"].isin(full["code"])
        for col in ("family", "material", "stage"):
            direct = df["code"].map(exact[col])
            df[col] = direct.where(direct.notna() | own_line, hs6.map(exact[col]))
        return df[df["stage"].notna()] if codes is not None else df

    # -- metrics --------------------------------------------------------------------------
    def metrics(self, country: str | None = None, material: str | None = None,
                code: str | list[str] | None = None, stage: str | None = None,
                year: int | None = None, by: tuple[str, ...] = ("year", "importer", "stage"),
                partner: str = "CHN", bloc: str | None = None, sector: str | None = None,
                dataset: str | None = None) -> pd.DataFrame:
        """Supplier shares summarised per group: value, HHI, top supplier and share, the
        partner's and the bloc's shares, meaningful suppliers, with sources and mirror share."""
        flows = self._flows_for(country, material, code, stage, year, sector, dataset)
        name, members = self.bloc(bloc)
        by = tuple(b for b in by if b in flows.columns or b == "sector")
        out = exposure.summary(flows, by=by, partner=self.country(partner), bloc=members,
                               bloc_name=name)
        if out.empty:
            return out
        prov = flows.assign(mirror_value=flows["value_usd"].where(flows["mirror"], 0.0)).groupby(
            list(by)).agg(mirror_value=("mirror_value", "sum"),
                          sources=("source", lambda s: ", ".join(sorted(set(s)))))
        out = out.merge(prov.reset_index(), on=list(by), how="left")
        unit = out.attrs.get("unit", {})
        out["mirror_share"] = out.pop("mirror_value") / out["value"]
        out.attrs["unit"] = {**unit, "mirror_share": "fraction"}
        return out

    def supplier_shares(self, country: str | None = None, material: str | None = None,
                        code: str | list[str] | None = None, stage: str | None = None,
                        year: int | None = None, by: tuple[str, ...] = ("year", "importer", "stage"),
                        sector: str | None = None, dataset: str | None = None) -> pd.DataFrame:
        """Each supplier's share per group, with its basis and source."""
        flows = self._flows_for(country, material, code, stage, year, sector, dataset)
        out = exposure.supplier_shares(flows, by=by)
        prov = flows.groupby(list(by) + ["exporter"]).agg(
            mirror=("mirror", "all"), source=("source", lambda s: ", ".join(sorted(set(s)))))
        unit = out.attrs.get("unit", {})
        out = out.merge(prov.reset_index(), on=list(by) + ["exporter"], how="left")
        out.attrs["unit"] = unit
        return out

    def _flows_for(self, country, material, code, stage, year, sector, dataset) -> pd.DataFrame:
        flows = self.flows(country, material, code, stage, year, dataset)
        if sector:
            flows = sectors.weighted(flows, sectors.combined_map(self.store, country and self.country(country)),
                                     sector)
        if year is None and len(flows):
            flows = flows[flows["year"] == flows.groupby(["importer"])["year"].transform("max")]
        return flows

    def published(self, country: str | None = None, material: str | None = None,
                  year: int | None = None) -> pd.DataFrame:
        """Published partner shares (import_share) with the stage each material maps to."""
        where, params = ["importer = ?"], [self.country(country)]
        if material:
            fam = self.store.df("SELECT material FROM material WHERE family = ? OR material = ?",
                                [material, material])["material"].tolist() or [material]
            where.append("material IN (SELECT unnest(?::VARCHAR[]))")
            params.append(fam)
        if year is not None:
            where.append("year <= ?")
            params.append(int(year))
        df = self.store.df(f"SELECT * FROM import_share WHERE {' AND '.join(where)} "
                           "ORDER BY material, year, share DESC", params)
        df["stage"] = df["material"].map(self._stage_of_material)
        return df

    def _stage_of_material(self, material: str) -> str:
        """The chain stage a published material's shares describe ('basket' for a family total)."""
        hit = self.store.df("SELECT DISTINCT stage FROM trade_code WHERE material = ?", [material])
        if len(hit) == 1:
            return hit["stage"].iloc[0]
        fam = self.store.df("SELECT family FROM material WHERE material = ? AND family = material",
                            [material])
        if len(fam):
            return "basket"
        # A product material named after the form it is held in (e.g. 'ndfeb-magnet').
        forms = self.store.df("SELECT s.stage, s.form FROM stage s JOIN material m ON m.family = s.family "
                              "WHERE m.material = ?", [material])
        named = forms[[str(f) in material for f in forms["form"]]]
        return named["stage"].iloc[0] if len(named) else "unmapped"

    def report(self, country: str | None = None, material: str = "rare-earths",
               year: int | None = None, partner: str = "CHN", bloc: str | None = None,
               code: str | None = None, sector: str | None = None,
               dataset: str | None = None) -> dict[str, pd.DataFrame]:
        """Per stage: supplier shares and the partner's share, from flows and published figures.

        Returns frames `stages` (one row per stage and evidence), `suppliers`, `reported` (the
        importer's own customs figures by code, beside mirror data), `production` (world stage
        concentration, for context) and `sources` (every source key cited).
        """
        iso = self.country(country)
        metrics = self.metrics(iso, material, code, None, year, partner=partner, bloc=bloc,
                               sector=sector, dataset=dataset)
        stages = metrics.assign(evidence=lambda d: d["mirror_share"].map(
            lambda m: "bilateral (mirror)" if m == 1 else "bilateral (partly mirror)" if m > 0
            else "bilateral")) if len(metrics) else metrics
        pub = self.published(iso, material, year)
        suppliers = self.supplier_shares(iso, material, code, None, year, sector=sector,
                                         dataset=dataset)
        if len(pub):
            pub_rows = pub.assign(evidence="published share", partner_share=pub["share"]) \
                .query("partner == @self.country(@partner)")
            latest = pub_rows[pub_rows["year"] == pub_rows.groupby("material")["year"].transform("max")]
            cols = {"year": latest["year"], "importer": latest["importer"], "stage": latest["stage"],
                    f"{partner.lower()}_share": latest["share"], "basis": latest["basis"],
                    "evidence": latest["evidence"] + " (" + latest["material"] + ")",
                    "sources": latest["source"]}
            stages = pd.concat([stages, pd.DataFrame(cols)], ignore_index=True)
            pub_sup = pub.rename(columns={"partner": "exporter", "source": "source"}).assign(
                mirror=False, value=float("nan"))
            suppliers = pd.concat([suppliers, pub_sup[["year", "importer", "stage", "exporter",
                                                       "value", "share", "mirror", "source"]]],
                                  ignore_index=True)
        stages = self._with_totals(stages, iso, material, year)
        stages = pd.concat([stages, self._mirror_estimate(iso, material, year, self.country(partner))],
                           ignore_index=True)
        keep = ["stage", "year", "evidence", "value", "n_suppliers", "top_supplier", "top_share",
                f"{partner.lower()}_share", f"{self.bloc(bloc)[0].lower()}_share", "hhi",
                "mirror_share", "sources"]
        unit = stages.attrs.get("unit", {})
        stages = stages.reindex(columns=[c for c in keep if c in stages.columns or c in
                                         ("value", "hhi", "sources")])
        stages.attrs["unit"] = {k: v for k, v in unit.items() if k in stages.columns}
        order = self._stage_order(material)
        for df in (stages, suppliers):
            if len(df):
                df["ord"] = df["stage"].map(order).fillna(99)
                df.sort_values(["ord", "year"], inplace=True, kind="mergesort")
                df.drop(columns="ord", inplace=True)
                df.reset_index(drop=True, inplace=True)
        keys = set()
        for df, col in ((stages, "sources"), (suppliers, "source")):
            if len(df):
                keys |= {k.strip() for v in df[col].dropna() for k in str(v).split(",")}
        try:
            production = stage_concentration(self.store, material, year, focus=self.country(partner))
        except NotFound:
            production = pd.DataFrame()
        if len(production):
            keys |= {k.strip() for v in production["source"] for k in str(v).split(",")}
        reported = self.reported(iso, material, code, year, dataset)
        keys |= set(reported["source"])
        sources = self.store.df("SELECT key, publisher, title, year, url FROM source WHERE key IN "
                                "(SELECT unnest(?::VARCHAR[])) ORDER BY key", [sorted(keys)])
        return {"stages": stages, "suppliers": suppliers, "reported": reported, "production": production,
                "sources": sources}

    def reported(self, country: str | None = None, material: str = "rare-earths",
                 code: str | None = None, year: int | None = None,
                 dataset: str | None = None) -> pd.DataFrame:
        """The importer's own reported supplier shares (importer-reported flows) per stage and
        code, latest year of each unless `year` is given: shown beside mirror data, which may
        cover other years."""
        flows = self.flows(country, material, code, None, year, dataset)
        flows = flows[flows["basis"] == "importer-reported"]
        if flows.empty:
            return pd.DataFrame(columns=["year", "importer", "stage", "code", "exporter", "value",
                                         "share", "source"])
        flows = flows[flows["year"] == flows.groupby("stage")["year"].transform("max")]
        out = exposure.supplier_shares(flows, by=("year", "importer", "stage", "code"))
        src = flows.groupby(["year", "stage", "code", "exporter"])["source"].first().reset_index()
        out = out.merge(src, on=["year", "stage", "code", "exporter"], how="left")
        return out.sort_values(["stage", "code", "share"], ascending=[True, True, False]).reset_index(drop=True)

    def _with_totals(self, stages: pd.DataFrame, iso: str, material: str,
                     year: int | None) -> pd.DataFrame:
        """Published basket totals (import_total: value and origin HHI) on the basket rows."""
        tot = self.store.df("SELECT year, value_usd, origin_hhi, source FROM import_total "
                            "WHERE importer = ? AND material = ?" + (" AND year <= ?" if year else ""),
                            [iso, material] + ([int(year)] if year else []))
        if tot.empty or stages.empty or "stage" not in stages:
            return stages
        basket = stages["stage"] == "basket"
        by_year = tot.set_index("year")
        yrs = stages.loc[basket, "year"]
        hit = yrs.isin(by_year.index)
        idx = yrs[hit].index
        stages.loc[idx, "value"] = by_year.loc[yrs[hit], "value_usd"].to_numpy()
        stages.loc[idx, "hhi"] = by_year.loc[yrs[hit], "origin_hhi"].to_numpy()
        stages.loc[idx, "sources"] = (stages.loc[idx, "sources"] + ", "
                                      + by_year.loc[yrs[hit], "source"].to_numpy())
        return stages

    def _mirror_estimate(self, iso: str, material: str, year: int | None,
                         partner: str) -> pd.DataFrame:
        """The partner's own reported exports to `iso` (monthly series, complete years summed):
        mirror data for `iso`'s imports from the partner.

        Shown as a value, not a share: the partner's product group and `iso`'s import basket
        are defined differently (China's 'Rare Earths' customs group is not Korea's basket),
        so dividing one by the other would mislead.
        """
        months = self.store.df(
            "SELECT year(month) AS year, count(DISTINCT month) AS n, sum(value_usd) AS value, "
            "string_agg(DISTINCT source, ', ') AS sources, any_value(product) AS product "
            "FROM trade_monthly WHERE exporter = ? AND importer = ? AND "
            "lower(replace(product, ' ', '-')) = ? GROUP BY 1", [partner, iso, material])
        full = months[months["n"] == 12]
        full = full[full["year"] == (int(year) if year is not None else full["year"].max())]
        return pd.DataFrame({
            "stage": "basket", "year": full["year"], "value": full["value"],
            "mirror_share": 1.0, "sources": full["sources"],
            "evidence": f"mirror: {partner}-reported exports to {iso} ('" + full["product"] + "')"})

    def _stage_order(self, material: str) -> dict[str, int]:
        st = self.store.df("SELECT stage, ord FROM stage WHERE family = (SELECT coalesce("
                           "(SELECT family FROM material WHERE material = ?), ?))", [material, material])
        return {**dict(zip(st["stage"], st["ord"])), "basket": 0}

    # -- screen ---------------------------------------------------------------------------
    def datasets(self) -> pd.DataFrame:
        """Imported datasets with their format, rows and years."""
        return self.store.df("SELECT dataset, any_value(format) AS format, sum(rows) AS rows, "
                             "list_sort(list_distinct(flatten(list(years::INTEGER[])))) AS years "
                             "FROM trade_import GROUP BY dataset ORDER BY dataset")

    def screen(self, country: str | None = None, year: int | None = None,
               dataset: str | None = None, bloc: str | None = None, partner: str = "CHN",
               code: str | None = None, top: int | None = None) -> pd.DataFrame:
        """Every imported product of every importer (or one country) ranked by dependency.

        Runs `exposure.screen_sql` inside the store: one aggregate per (importer, product)
        plus the importer's exports, so it scales to a full BACI year. Uses one imported
        dataset (default: the only one, else name it), or the bundled extracts when none.
        """
        src, raw, unique, year = self._screen_source(dataset, year)
        name, members = self.bloc(bloc)
        sel = exposure.Selection(country=self.country(country) if country else None, year=year,
                                 code=code, by=("year", "importer", "code"),
                                 partner=self.country(partner), bloc=members, bloc_name=name)
        if unique and sel.country is None:  # a whole BACI year: the array screen (trade/screen.py)
            out = screen.screen_frame(self.store.con, raw, sel)
            out = out.head(int(top)) if top else out
        else:
            sql, params = exposure.screen_sql(src, sel, unique=unique)
            if top:
                sql += f" LIMIT {int(top)}"
            out = self.store.df(sql, params)
        return exposure._tag(out, sel)

    def _screen_source(self, dataset: str | None,
                       year: int | None) -> tuple[str, str, bool, int | None]:
        """(decoded flows, stored flows with integer keys, one row per key?, year) to screen."""
        ds = self.datasets()
        if dataset is None and len(ds) > 1:
            raise BadInput("several imported datasets; choose one", field="--dataset",
                           hint=f"datasets are {list_as_string(ds['dataset'])}")
        if dataset is None and ds.empty:
            src = raw = "(SELECT * FROM trade)"
            unique = False
        else:
            name = dataset or ds["dataset"].iloc[0]
            if name not in set(ds["dataset"]):
                raise NotFound(f"no imported dataset '{name}'", field="--dataset",
                               hint=f"datasets are {list_as_string(ds['dataset'])}")
            fmt = ds.set_index("dataset").loc[name, "format"]
            quoted = name.replace("'", "''")
            # A BACI import has one row per key already; Comtrade's two reports are ranked.
            raw = (f"(SELECT * FROM trade_flow WHERE import_id IN (SELECT import_id FROM trade_import "
                   f"WHERE dataset = '{quoted}'))")
            src = flows_sql(self.store.con, f"t.dataset = '{quoted}'")
            if fmt != "baci":
                src = (f"(SELECT * FROM {src} QUALIFY row_number() OVER (PARTITION BY year, exporter, "
                       "importer, code ORDER BY basis = 'exporter-reported') = 1)")
            unique = fmt == "baci"
        if year is None:
            year = self.store.con.execute(f"SELECT max(year) FROM {raw}").fetchone()[0]
        return src, raw, unique, year

    # -- sectors and criticality ------------------------------------------------------------
    def sectors(self, country: str | None = None, year: int | None = None,
                partner: str = "CHN", bloc: str | None = None) -> pd.DataFrame:
        """Downstream sectors' import exposure: flows weighted by the code -> sector map."""
        flows = self._flows_for(country, None, None, None, year, None, None)
        name, members = self.bloc(bloc)
        smap = sectors.combined_map(self.store, self.country(country))
        out = sectors.exposure_by_sector(flows, smap, partner=self.country(partner), bloc=members,
                                         bloc_name=name)
        cites = smap.groupby("sector")["source"].agg(lambda s: ", ".join(sorted(set(s))))
        out["weight_sources"] = out["sector"].map(cites)
        return out

    def criticality(self, country: str | None = None, material: str = "rare-earths",
                    year: int | None = None, **inputs) -> pd.DataFrame:
        """Supply-risk scores (JRC 2017 and USGS 2022 style) per stage of a material."""
        return criticality.assess(self, self.country(country), material, year, **inputs)

    # -- imports --------------------------------------------------------------------------
    def import_baci(self, path: str | Path, filters: Filters = Filters(), **kw) -> ImportReport:
        """Import a BACI zip, folder or yearly CSV (see `trade.baci.import_baci`)."""
        return baci.import_baci(self.store, path, filters=filters, **kw)

    def import_comtrade(self, paths, filters: Filters = Filters(), **kw) -> ImportReport:
        """Import Comtrade bulk files (see `trade.comtrade.import_comtrade`)."""
        return comtrade.import_comtrade(self.store, paths, filters=filters, **kw)


__all__ = ["Exposure", "Filters", "MAX_BAD"]
