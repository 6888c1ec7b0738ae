"""Export layouts: real header rows map to the right canonical fields and the right platform.

The header rows below are the ones documented in each layout's sources (real exports quoted by
importers and tests in public code), so a mapping that breaks here would break on a user's file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from smmsim.calibration.layouts import (
    GENERIC,
    LAYOUTS,
    Layout,
    layout_columns,
    match_layout,
    normalise_header,
)
from smmsim.scenarios.columns import CANONICAL_COLUMNS

SHARED_DATA = Path(__file__).resolve().parents[1] / "calibration" / "examples"

# (layout name, header row, expected mapping of every field/dimension the row has)
REAL_HEADERS = {
    "meta_en": (
        "meta",
        [
            "Reporting starts",
            "Reporting ends",
            "Campaign name",
            "Ad set name",
            "Amount spent (USD)",
            "Impressions",
            "Reach",
            "Frequency",
            "Link clicks",
            "CPC (cost per link click) (USD)",
            "Results",
            "Cost per result",
            "Purchases",
            "Purchase conversion value",
        ],
        {
            "date": "Reporting starts",
            "date_end": "Reporting ends",
            "campaign": "Campaign name",
            "spend": "Amount spent (USD)",
            "impressions": "Impressions",
            "reach": "Reach",
            "frequency": "Frequency",
            "clicks": "Link clicks",
            "conversions": "Purchases",
            "revenue": "Purchase conversion value",
            "ad_set": "Ad set name",
        },
    ),
    "meta_ru": (
        "meta",
        [
            "Начало отчётного периода",
            "Конец отчётного периода",
            "Название кампании",
            "Название группы объявлений",
            "Потраченная сумма (UZS)",
            "Показы",
            "Охват",
            "Частота",
            "Клики на ссылку",
            "Цена за клик (UZS)",
            "CTR",
            "Результаты",
            "Цена за результат",
            "Покупки на сайте",
            "Ценность конверсии покупки с сайта",
        ],
        {
            "date": "Начало отчётного периода",
            "campaign": "Название кампании",
            "spend": "Потраченная сумма (UZS)",
            "impressions": "Показы",
            "reach": "Охват",
            "frequency": "Частота",
            "clicks": "Клики на ссылку",
            "conversions": "Покупки на сайте",
            "revenue": "Ценность конверсии покупки с сайта",
            "ad_set": "Название группы объявлений",
        },
    ),
    "meta_es": (
        "meta",
        [
            "Nombre de la campaña",
            "Nombre del conjunto de anuncios",
            "Nombre del anuncio",
            "Nombre de la cuenta",
            "Día",
            "Edad",
            "Sexo",
            "Importe gastado (EUR)",
            "Divisa",
            "Impresiones",
            "Alcance",
            "Frecuencia",
            "Compras",
            "Valor de conversión de compras",
            "Clics (todos)",
            "Clics en el enlace",
            "Me gusta en Facebook",
            "Inicio del informe",
            "Fin del informe",
        ],
        {
            "date": "Día",
            "date_end": "Fin del informe",
            "campaign": "Nombre de la campaña",
            "spend": "Importe gastado (EUR)",
            "impressions": "Impresiones",
            "reach": "Alcance",
            "frequency": "Frecuencia",
            "clicks": "Clics en el enlace",
            "joins": "Me gusta en Facebook",
            "conversions": "Compras",
            "revenue": "Valor de conversión de compras",
            "currency": "Divisa",
            "ad_set": "Nombre del conjunto de anuncios",
            "ad": "Nombre del anuncio",
            "account": "Nombre de la cuenta",
            "age": "Edad",
            "gender": "Sexo",
        },
    ),
    "meta_fr": (
        "meta",
        [
            "Début des rapports",
            "Fin des rapports",
            "Nom du compte",
            "Nom de la campagne",
            "Nom de l’ensemble de publicités",
            "Couverture",
            "Impressions",
            "Répétition",
            "Devise",
            "Clics sur un lien",
            "Montant dépensé (EUR)",
            "Achats",
            "Valeur de conversion des achats",
        ],
        {
            "date": "Début des rapports",
            "date_end": "Fin des rapports",
            "campaign": "Nom de la campagne",
            "spend": "Montant dépensé (EUR)",
            "impressions": "Impressions",
            "reach": "Couverture",
            "frequency": "Répétition",
            "clicks": "Clics sur un lien",
            "conversions": "Achats",
            "revenue": "Valeur de conversion des achats",
            "currency": "Devise",
            "ad_set": "Nom de l’ensemble de publicités",
            "account": "Nom du compte",
        },
    ),
    "meta_de": (
        "meta",
        [
            "Tag",
            "Kampagnenname",
            "Name der Anzeigengruppe",
            "Anzeigenname",
            "Ausgegebener Betrag (EUR)",
            "Impressionen",
            "Reichweite",
            "Frequenz",
            "Klicks (alle)",
            "Link-Klicks",
            "Ergebnisse",
            "Website-Käufe",
            "„Gefällt mir“-Angaben auf Facebook",
        ],
        {
            "date": "Tag",
            "campaign": "Kampagnenname",
            "spend": "Ausgegebener Betrag (EUR)",
            "impressions": "Impressionen",
            "reach": "Reichweite",
            "frequency": "Frequenz",
            "clicks": "Link-Klicks",
            "joins": "„Gefällt mir“-Angaben auf Facebook",
            "conversions": "Website-Käufe",
            "ad_set": "Name der Anzeigengruppe",
            "ad": "Anzeigenname",
        },
    ),
    "meta_uk": (
        "meta",
        [
            "Назва кампанії",
            "Потрачена сума (UAH)",
            "Дата початку звітності",
            "Покази",
            "Результати",
        ],
        {
            "date": "Дата початку звітності",
            "campaign": "Назва кампанії",
            "spend": "Потрачена сума (UAH)",
            "impressions": "Покази",
            "conversions": "Результати",
        },
    ),
    "google_en": (
        "google",
        [
            "Day",
            "Campaign",
            "Campaign ID",
            "Currency code",
            "Cost",
            "Impr.",
            "Clicks",
            "Conversions",
            "Conv. value",
        ],
        {
            "date": "Day",
            "campaign": "Campaign",
            "currency": "Currency code",
            "spend": "Cost",
            "impressions": "Impr.",
            "clicks": "Clicks",
            "conversions": "Conversions",
            "revenue": "Conv. value",
        },
    ),
    "google_ru": (
        "google",
        [
            "День",
            "Кампания",
            "Код валюты",
            "Расходы",
            "Показы",
            "Kлики",
            "Конверсии",
            "Ценность конв.",
        ],
        {
            "date": "День",
            "campaign": "Кампания",
            "currency": "Код валюты",
            "spend": "Расходы",
            "impressions": "Показы",
            "clicks": "Kлики",  # Latin "K", as Google writes it
            "conversions": "Конверсии",
            "revenue": "Ценность конв.",
        },
    ),
    "google_de": (
        "google",
        ["Kampagne", "Tag", "Impressionen", "Klicks", "Kosten", "Conversions", "Conv.-Wert"],
        {
            "date": "Tag",
            "campaign": "Kampagne",
            "spend": "Kosten",
            "impressions": "Impressionen",
            "clicks": "Klicks",
            "conversions": "Conversions",
            "revenue": "Conv.-Wert",
        },
    ),
    "google_fr": (
        "google",
        ["Jour", "Campagne", "Coût", "Clics", "Impressions", "Conversions", "Valeur de conv."],
        {
            "date": "Jour",
            "campaign": "Campagne",
            "spend": "Coût",
            "impressions": "Impressions",
            "clicks": "Clics",
            "conversions": "Conversions",
            "revenue": "Valeur de conv.",
        },
    ),
    "google_es": (
        "google",
        ["Día", "Campaña", "Impr.", "Clics", "Coste"],
        {
            "date": "Día",
            "campaign": "Campaña",
            "impressions": "Impr.",
            "clicks": "Clics",
            "spend": "Coste",
        },
    ),
    "tiktok_en": (
        "tiktok",
        [
            "By Day",
            "Campaign name",
            "Ad group name",
            "Ad name",
            "Cost",
            "Impressions",
            "Reach",
            "Frequency",
            "Clicks (all)",
            "Clicks (destination)",
            "Conversions",
            "Paid followers",
        ],
        {
            "date": "By Day",
            "campaign": "Campaign name",
            "spend": "Cost",
            "impressions": "Impressions",
            "reach": "Reach",
            "frequency": "Frequency",
            "clicks": "Clicks (destination)",
            "joins": "Paid followers",
            "conversions": "Conversions",
            "ad_group": "Ad group name",
            "ad": "Ad name",
        },
    ),
    "tiktok_es": (
        "tiktok",
        [
            "Nombre de la campaña",
            "Nombre del anuncio",
            "Objetivo publicitario",
            "Gasto",
            "Impresiones",
            "Alcance",
            "Clics (destino)",
            "Visualizaciones de vídeo",
            "Seguidores de pago",
            "Visitas al perfil pagadas",
            "Por día",
            "Moneda",
        ],
        {
            "date": "Por día",
            "campaign": "Nombre de la campaña",
            "spend": "Gasto",
            "impressions": "Impresiones",
            "reach": "Alcance",
            "clicks": "Clics (destino)",
            "joins": "Seguidores de pago",
            "currency": "Moneda",
            "ad": "Nombre del anuncio",
        },
    ),
    "linkedin_en": (
        "linkedin",
        [
            "Start Date (in UTC)",
            "Account Name",
            "Currency",
            "Campaign Name",
            "Ad Set Name",
            "Ad Name",
            "Total Spent",
            "Impressions",
            "Clicks",
            "Clicks to Landing Page",
            "Conversions",
            "Leads",
            "Reach",
            "Follows",
        ],
        {
            "date": "Start Date (in UTC)",
            "campaign": "Campaign Name",
            "spend": "Total Spent",
            "impressions": "Impressions",
            "reach": "Reach",
            "clicks": "Clicks to Landing Page",
            "joins": "Follows",
            "conversions": "Conversions",
            "currency": "Currency",
            "ad_set": "Ad Set Name",
            "ad": "Ad Name",
            "account": "Account Name",
        },
    ),
    "linkedin_nl": (
        "linkedin",
        [
            "Begindatum (in UTC)",
            "Accountnaam",
            "Valuta",
            "Campagnenaam",
            "Naam van advertentieset",
            "Advertentienaam",
            "Totaal besteed",
            "Weergaven",
            "Klikken",
            "Klikken naar bestemmingspagina",
            "Conversies",
        ],
        {
            "date": "Begindatum (in UTC)",
            "campaign": "Campagnenaam",
            "spend": "Totaal besteed",
            "impressions": "Weergaven",
            "clicks": "Klikken naar bestemmingspagina",
            "conversions": "Conversies",
            "currency": "Valuta",
            "ad_set": "Naam van advertentieset",
            "ad": "Advertentienaam",
            "account": "Accountnaam",
        },
    ),
    "vk_ads": (
        "vk",
        [
            "Дата",
            "Название объявления",
            "Статус",
            "ID объявления",
            "ID группы объявлений",
            "Показы",
            "Клики",
            "Потрачено, ₽",
            "Охват",
        ],
        {
            "date": "Дата",
            "spend": "Потрачено, ₽",
            "impressions": "Показы",
            "reach": "Охват",
            "clicks": "Клики",
            "ad": "Название объявления",
        },
    ),
    "vk_old_cabinet": (
        "vk",
        ["Дата", "Потрачено", "Показы", "Переходы", "CTR,%", "eCPC,руб", "Охват", "Вступления"],
        {
            "date": "Дата",
            "spend": "Потрачено",
            "impressions": "Показы",
            "clicks": "Переходы",
            "reach": "Охват",
            "joins": "Вступления",
        },
    ),
    "vk_mytarget": (
        "vk",
        ["Дата", "Показы", "Клики", "Расход", "Охват", "Средняя частота", "Доход"],
        {
            "date": "Дата",
            "impressions": "Показы",
            "clicks": "Клики",
            "spend": "Расход",
            "reach": "Охват",
            "frequency": "Средняя частота",
            "revenue": "Доход",
        },
    ),
}


@pytest.mark.parametrize("case", sorted(REAL_HEADERS))
def test_real_header_maps_every_field_it_has(case: str) -> None:
    """Each documented header row feeds exactly the fields it carries, from the right column."""
    name, headers, expected = REAL_HEADERS[case]
    assert layout_columns(LAYOUTS[name], headers) == expected


@pytest.mark.parametrize("case", sorted(REAL_HEADERS))
def test_real_header_is_detected_as_its_platform(case: str) -> None:
    """Shared words (Impressions, Показы, Día) never pull a file to another platform."""
    name, headers, expected = REAL_HEADERS[case]
    found = match_layout(headers)
    assert found is not None
    layout, columns = found
    assert layout.name == name
    assert columns == expected


def test_google_ukrainian_campaign_report_maps_without_a_day_column() -> None:
    """The documented UA report is a period total: it maps, but is no daily export to import."""
    headers = [
        "Кампанія",
        "Витрати",
        "Кліки",
        "Покази",
        "Конверсії",
        "Цінність конв.",
        "Код валюти",
    ]
    assert layout_columns(LAYOUTS["google"], headers) == {
        "campaign": "Кампанія",
        "spend": "Витрати",
        "clicks": "Кліки",
        "impressions": "Покази",
        "conversions": "Конверсії",
        "revenue": "Цінність конв.",
        "currency": "Код валюти",
    }
    assert match_layout(headers) is None


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Amount spent (USD)", "amount spent"),
        ("amount spent (EUR)", "amount spent"),
        ("Amount spent (uzs)", "amount spent"),
        ("Spend [USD]", "spend"),
        ("# of Impressions", "impressions"),
        ("№ Кампании", "кампании"),
        ("Потрачено, ₽", "потрачено"),
        ("Потрачено всего, ₽", "потрачено всего"),
        ("Потраченная сумма (руб.)", "потраченная сумма"),
        ("Потраченная сумма (₽)", "потраченная сумма"),
        ("Importe gastado, €", "importe gastado"),
        ("Расходы, USD", "расходы"),
        ('\ufeff "Reporting starts" ', "reporting starts"),
        ("Total \u00a0 Spent", "total spent"),
        ("Ёмкость", "емкость"),
        ("Nom de l’ensemble de publicités", "nom de l'ensemble de publicités"),
    ],
)
def test_normalise_drops_formatting_and_currency(raw: str, normalised: str) -> None:
    """One column exported for another account currency, or re-saved by Excel, compares equal."""
    assert normalise_header(raw) == normalised


@pytest.mark.parametrize(
    "header",
    ["Clicks (all)", "Clicks (All)", "Start Date (in UTC)", "CTR (all)", "Расход, ₽, с НДС"],
)
def test_normalise_keeps_qualifiers_that_are_not_currencies(header: str) -> None:
    """The "(all)" of "Clicks (all)" separates all clicks from link clicks: two metrics."""
    assert normalise_header(header) == " ".join(header.casefold().split())


def test_currency_variants_of_one_export_map_alike() -> None:
    """An EUR account's export maps like a USD one: the spelling table lists one currency only."""
    usd = ["Day", "Amount spent (USD)", "Impressions", "Link clicks"]
    eur = ["Day", "Amount spent (EUR)", "Impressions", "Link clicks"]
    assert layout_columns(LAYOUTS["meta"], usd)["spend"] == "Amount spent (USD)"
    assert layout_columns(LAYOUTS["meta"], eur)["spend"] == "Amount spent (EUR)"


def test_mapping_returns_the_files_original_header() -> None:
    """The importer indexes the file by the header as written, BOM and quotes included."""
    headers = ['\ufeff"Day"', "Amount spent (USD)", "Impressions"]
    assert layout_columns(LAYOUTS["meta"], headers)["date"] == '\ufeff"Day"'


def test_link_clicks_win_over_all_clicks_whatever_the_column_order() -> None:
    """The model's ctr is link clicks per impression; "Clicks (all)" includes likes and taps."""
    meta = ["Day", "Clicks (all)", "Amount spent (USD)", "Link clicks", "Impressions"]
    tiktok = ["By Day", "Clicks (all)", "Cost", "Clicks (destination)", "Impressions"]
    assert layout_columns(LAYOUTS["meta"], meta)["clicks"] == "Link clicks"
    assert layout_columns(LAYOUTS["tiktok"], tiktok)["clicks"] == "Clicks (destination)"


def test_all_clicks_are_the_fallback_when_link_clicks_are_missing() -> None:
    """An export without link clicks still yields clicks rather than none."""
    headers = ["Day", "Amount spent (USD)", "Impressions", "Clicks (all)"]
    assert layout_columns(LAYOUTS["meta"], headers)["clicks"] == "Clicks (all)"


def test_purchases_win_over_objective_results() -> None:
    """Meta's "Results" count whatever the objective optimises; purchases are sales."""
    headers = ["Day", "Amount spent (USD)", "Impressions", "Results", "Purchases"]
    assert layout_columns(LAYOUTS["meta"], headers)["conversions"] == "Purchases"


def test_one_header_feeds_one_key_only() -> None:
    """A repeated header is read once, at its first occurrence."""
    headers = ["Day", "Impressions", "Impressions", "Amount spent (USD)"]
    columns = layout_columns(LAYOUTS["meta"], headers)
    assert columns["impressions"] == "Impressions"
    assert len(set(columns.values())) == len(columns)


def test_ab_test_file_maps_fully_under_generic() -> None:
    """The shared A/B-test export: plain English names, "# of" counts, a bracketed currency."""
    line = (SHARED_DATA / "ab_test_control_group.csv").read_text(encoding="utf-8").splitlines()[0]
    headers = line.split(";")
    assert headers[:3] == ["Campaign Name", "Date", "Spend [USD]"]
    expected = {
        "date": "Date",
        "campaign": "Campaign Name",
        "spend": "Spend [USD]",
        "impressions": "# of Impressions",
        "reach": "Reach",
        "clicks": "# of Website Clicks",
        "conversions": "# of Purchase",
    }
    assert layout_columns(GENERIC, headers) == expected
    found = match_layout(headers)
    assert found is not None
    assert found[0] is GENERIC
    assert found[1] == expected


def test_generic_accepts_the_canonical_column_names() -> None:
    """smmsim's own daily.csv columns read back through the generic layout unchanged."""
    columns = layout_columns(GENERIC, list(CANONICAL_COLUMNS))
    assert columns == {name: name for name in CANONICAL_COLUMNS}


def test_generic_maps_bare_revenue_to_revenue_never_to_spend() -> None:
    """A bare "revenue" is money earned; reading it as spend would invert ROAS."""
    columns = layout_columns(GENERIC, ["date", "revenue", "cost", "clicks"])
    assert columns["revenue"] == "revenue"
    assert columns["spend"] == "cost"


def test_shared_columns_do_not_outweigh_a_distinctive_one() -> None:
    """Day/Impressions/Reach fit a generic file too; "Amount spent" says Meta."""
    headers = ["Day", "Campaign name", "Impressions", "Reach", "Amount spent (USD)", "Clicks (all)"]
    found = match_layout(headers)
    assert found is not None
    assert found[0].name == "meta"


def test_google_file_with_plain_impressions_is_not_meta() -> None:
    """Meta shares Day and Impressions with Google; a Google file still reads as Google."""
    headers = ["Day", "Campaign", "Cost", "Impressions", "Clicks", "Conversions", "Conv. value"]
    found = match_layout(headers)
    assert found is not None
    assert found[0].name == "google"


def test_file_without_distinctive_columns_is_generic() -> None:
    """Nothing only one platform writes: crediting a platform would be a guess."""
    headers = ["Date", "Campaign name", "Impressions", "Clicks (all)", "Reach", "spend"]
    found = match_layout(headers)
    assert found is not None
    assert found[0] is GENERIC


def test_unrecognisable_header_gives_none() -> None:
    """No layout finds a date and two of spend/impressions/clicks."""
    assert match_layout(["foo", "bar", "baz"]) is None
    assert match_layout([]) is None


def test_date_and_a_single_metric_are_not_enough() -> None:
    """A header with a date but only impressions is no daily spend/delivery export."""
    assert match_layout(["Day", "Campaign name", "Impressions", "Reach"]) is None


def test_layouts_are_keyed_by_name_and_default_to_their_platform() -> None:
    """Rows of a platform export without a platform column take the layout's platform."""
    assert set(LAYOUTS) == {"meta", "google", "tiktok", "linkedin", "vk"}
    for name, layout in LAYOUTS.items():
        assert layout.name == name
        assert layout.platform == name
    assert GENERIC.name == "generic"
    assert GENERIC.platform == ""


ALLOWED_FIELDS = set(CANONICAL_COLUMNS) | {"frequency", "currency", "date_end"}


@pytest.mark.parametrize("layout", [*LAYOUTS.values(), GENERIC], ids=lambda layout: layout.name)
def test_tables_are_consistent(layout: Layout) -> None:
    """Fields are canonical, no spelling feeds two keys, and every layout names its sources."""
    assert set(layout.fields) <= ALLOWED_FIELDS
    assert not set(layout.fields) & set(layout.dimensions)
    seen: dict[str, str] = {}
    for key, spellings in (*layout.fields.items(), *layout.dimensions.items()):
        assert spellings, key
        for spelling in spellings:
            normalised = normalise_header(spelling)
            assert normalised, spelling
            assert seen.setdefault(normalised, key) == key, (spelling, key, seen[normalised])
    assert layout.sources


@pytest.mark.parametrize("layout", list(LAYOUTS.values()), ids=lambda layout: layout.name)
def test_platform_layouts_leave_platform_and_tool_to_generic(layout: Layout) -> None:
    """Meta's "Platform" column is a breakdown (Facebook, Instagram), not smmsim's platform."""
    assert "platform" not in layout.fields
    assert "tool" not in layout.fields


TAG_PREFIX = {"M": "meta", "G": "google", "T": "tiktok", "L": "linkedin", "V": "vk"}


def test_every_cited_source_tag_is_defined_and_every_source_is_cited() -> None:
    """Each [tag] beside a spelling resolves in its layout's sources, and no source is idle."""
    module = Path(__file__).resolve().parents[1] / "calibration" / "layouts.py"
    cited = re.findall(r"\[([MGTLV]\d+)\]", module.read_text(encoding="utf-8"))
    defined = {
        source[1 : source.index("]")]: name
        for name, layout in LAYOUTS.items()
        for source in layout.sources
    }
    for tag in cited:
        assert defined.get(tag) == TAG_PREFIX[tag[0]], tag
    # Each tag occurs once in its own source entry; a citation makes it two or more.
    assert all(cited.count(tag) >= 2 for tag in defined), sorted(
        tag for tag in defined if cited.count(tag) < 2
    )
