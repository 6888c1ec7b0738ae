"""Column-name tables ("layouts") of the ad-platform exports the calibration importer reads.

An export is recognised by its header row alone: the platforms write their column names in the
language of the account's interface (and Meta appends the account currency, "Amount spent (USD)"),
so one layout lists, per canonical field, every spelling we could find documented, in all
languages. Nothing here reads a file; `calibration` importers hand the header row in and get back
which original column feeds which canonical field (DESIGN.md section 3).

Normalisation (`normalise_header`), applied alike to a file's headers and to the spellings below:
casefold; a BOM, surrounding quotes and outer whitespace removed; inner whitespace (also no-break
spaces) collapsed to one space; a typographic apostrophe read as "'"; "ё" read as "е"; a leading
"# of " or "№ " dropped; and one trailing currency qualifier dropped, so "Amount spent (USD)",
"amount spent (EUR)", "Spend [USD]", "Потрачено, ₽" and "Расходы, USD" all lose the currency. A
qualifier is a currency when it is an ISO 4217 code or a currency symbol / abbreviation (₽, €, руб.)
in parentheses, brackets or after a final comma. "Clicks (all)" keeps its "(all)": ALL is also the
code of the Albanian lek, but only the upper-case "(ALL)" is read as that currency.

Priority: each field lists its spellings best first, and the first spelling present in a file wins
(`layout_columns`). That is how "clicks" prefers link clicks (Meta "Link clicks" over "Clicks
(all)", TikTok "Clicks (destination)" over "Clicks (all)", LinkedIn "Clicks to Landing Page" over
"Clicks"), and "conversions" prefers purchases over Meta's objective-dependent "Results".

Detection (`match_layout`): a layout qualifies when it finds a date column and two of spend,
impressions and clicks. Among those, the one with the most *distinctive* columns wins (a metric
spelling no other platform uses: "Amount spent", "Impr.", "Total Spent", "Clicks (destination)",
"Потрачено"), then the one with more matched fields, then with more matched fields and dimensions.
Shared words ("Impressions", "Показы", "Reach") therefore never decide between platforms, and a file
with no distinctive column falls to `GENERIC` rather than being credited to a platform by chance.

Dimensions are the grouping columns beside the canonical ones (ad set, ad, ad group, placement,
age, gender, ...). In a platform layout the dimension "platform" is a breakdown such as Meta's
"Platform" (Facebook, Instagram, ...); the canonical `platform` of such rows is `Layout.platform`.
Only `GENERIC` maps a canonical `platform` (and `tool`) column.

Sources: every spelling carries a tag ([M3], [G1], ...) resolved in its layout's `sources`. Most are
public GitHub code that parses real exports, found with the project library's exact-string index
(which reports the file's content but not always its repository); where the repository and path are
known they are given. A localisation we could not find documented is left out, not invented:
notably no Bulgarian header of any platform, no Russian, German or French TikTok header, and no
Russian LinkedIn header turned up. Importers should also know (same sources): Google Ads CSVs carry
a report-title row and a date-range row above the header and "Total: ..." rows at the end, and its
"CSV (Excel)" download is UTF-16 with tabs [G1]; LinkedIn exports are UTF-16, tab-separated, with
the header on line 6 [L1]; Meta exports may start with a UTF-8 BOM [M9].
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "GENERIC",
    "IMPORT_FORMATS",
    "LAYOUTS",
    "Layout",
    "layout_columns",
    "layout_named",
    "match_layout",
    "normalise_header",
]


@dataclass(frozen=True)
class Layout:
    """One platform's export vocabulary: canonical field -> header spellings, best first."""

    name: str
    title: str
    platform: str
    fields: dict[str, tuple[str, ...]]
    dimensions: dict[str, tuple[str, ...]]
    sources: tuple[str, ...]
    # How numeric dates read when no date in the file tells (no day above 12): LinkedIn writes
    # M/D/YYYY, the others day first.
    date_order: str = "dmy"


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------

# Active ISO 4217 codes, plus RUR and BYR: pre-redenomination rouble codes still seen in
# Russian-language reports.
_ISO_4217_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BYR BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF
    KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR
    MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RUR RWF SAR SBD SCR
    SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX
    USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL
"""
_ISO_4217 = frozenset(_ISO_4217_CODES.split())
# Lower-case qualifiers that are ISO codes by accident but words in real headers ("Clicks (all)").
_CODE_LIKE_WORDS = frozenset({"all", "top"})
_CURRENCY_SYMBOLS = frozenset("₽€$£¥₴₸₺₹₩₪₫₱₦₲₡₵₭₮₼₾¢")
_CURRENCY_WORDS = frozenset({"руб.", "руб", "р.", "грн.", "грн", "лв.", "лв"})
_QUOTE_PAIRS = {'"': '"', "'": "'", "«": "»", "“": "”", "„": "“"}
_TRAILING_QUALIFIER = re.compile(
    r"^(?P<head>.*\S)\s*(?:\((?P<paren>[^()]*)\)|\[(?P<bracket>[^\[\]]*)\]|,(?P<comma>[^,]*))$"
)
_LEADING_COUNT = re.compile(r"^(?:#\s*of\s+|№\s*)")
_WHITESPACE = re.compile(r"\s+")


def _is_currency(token: str) -> bool:
    """True when a header's trailing qualifier names a currency, not a variant of the metric."""
    token = token.strip()
    if not token:
        return False
    if all(char in _CURRENCY_SYMBOLS for char in token.replace(" ", "")):
        return True
    if token.casefold() in _CURRENCY_WORDS:
        return True
    if len(token) != 3 or not token.isascii() or not token.isalpha():
        return False
    if token.isupper():
        return token in _ISO_4217
    return token.upper() in _ISO_4217 and token.casefold() not in _CODE_LIKE_WORDS


def _strip_quotes(text: str) -> str:
    """Remove matching quotes around a whole header (CSV writers and copy-paste leave them)."""
    while len(text) >= 2 and _QUOTE_PAIRS.get(text[0]) == text[-1]:
        text = text[1:-1].strip()
    return text


def _strip_currency(text: str) -> str:
    """Drop one trailing currency qualifier: the same metric is exported per account currency."""
    match = _TRAILING_QUALIFIER.match(text)
    if not match:
        return text
    token = next(group for group in match.group("paren", "bracket", "comma") if group is not None)
    return match.group("head") if _is_currency(token) else text


@lru_cache(maxsize=4096)
def normalise_header(text: str) -> str:
    """A header as compared: exports differ in case, BOMs, quoting, currency suffixes and "ё"."""
    cleaned = _strip_quotes(text.replace("\ufeff", "").replace("\u00a0", " ").strip())
    cleaned = _WHITESPACE.sub(" ", cleaned).replace("’", "'")
    cleaned = _strip_currency(cleaned).casefold().replace("ё", "е")
    cleaned = _LEADING_COUNT.sub("", cleaned)
    return _WHITESPACE.sub(" ", cleaned).strip()


# --------------------------------------------------------------------------------------------
# Meta Ads Manager
# --------------------------------------------------------------------------------------------

_META = Layout(
    name="meta",
    title="Meta Ads Manager",
    platform="meta",
    fields={
        "date": (
            "Day",  # EN per-day breakdown [M3][M10]
            "Reporting starts",  # EN [M1][M3]
            "День",  # RU [M13]
            "Дата начала отчетности",  # RU [M2][M9]
            "Начало отчётного периода",  # RU [M3]
            "Начало отчетности",  # RU [M13]
            "Tag",  # DE [M8][M10]
            "Beginn der Berichterstattung",  # DE [M16]
            "Día",  # ES [M4]
            "Inicio del informe",  # ES [M4][M15]
            "Début des rapports",  # FR [M5][M6]
            "Дата початку звітності",  # UK [M9]
            "Початок звітності",  # UK [M9]
        ),
        # a period's last day, beside its first above: a per-ad export over a period writes both
        "date_end": (
            "Reporting ends",  # EN [M1][M3]
            "Дата окончания отчетности",  # RU, as the start's wording [M2][M9]
            "Окончание отчётного периода",  # RU [M3]
            "Окончание отчетности",  # RU [M13]
            "Ende der Berichterstattung",  # DE [M16]
            "Fin del informe",  # ES [M4][M15]
            "Fin des rapports",  # FR [M5][M6]
            "Дата закінчення звітності",  # UK [M9]
            "Кінець звітності",  # UK [M9]
        ),
        "campaign": (
            "Campaign name",  # EN [M1][M3]
            "Название кампании",  # RU [M3][M13]
            "Kampagnenname",  # DE [M7][M10]
            "Nombre de la campaña",  # ES [M4]
            "Nom de la campagne",  # FR [M5][M6]
            "Назва кампанії",  # UK [M9]
        ),
        "spend": (
            "Amount spent (USD)",  # EN, any currency after normalisation [M1][M3]
            "Потраченная сумма (USD)",  # RU export [M2][M3][M9]
            "Сумма затрат",  # RU Ads Manager table label [M13]
            "Ausgegebener Betrag (EUR)",  # DE [M7][M8]
            "Importe gastado (EUR)",  # ES [M4][M15]
            "Montant dépensé (EUR)",  # FR [M5]
            "Витрачена сума",  # UK [M9]
            "Потрачена сума (EUR)",  # UK [M9]
        ),
        "impressions": (
            "Impressions",  # EN, also FR [M1][M3][M5]
            "Показы",  # RU [M3]
            "Impressionen",  # DE [M7][M8]
            "Impresiones",  # ES [M4]
            "Покази",  # UK [M9]
        ),
        "reach": (
            "Reach",  # EN [M3]
            "Охват",  # RU [M3]
            "Reichweite",  # DE [M7][M10]
            "Alcance",  # ES [M4]
            "Couverture",  # FR [M5][M6]
        ),
        "frequency": (
            "Frequency",  # EN [M3]
            "Частота",  # RU [M3][M13]
            "Frequenz",  # DE [M7][M10]
            "Frecuencia",  # ES [M4]
            "Répétition",  # FR [M5][M6]
        ),
        "clicks": (
            # Link clicks first: the click that leaves the ad, which the model's ctr means.
            "Link clicks",  # EN [M1][M3]
            "Клики по ссылке",  # RU [M2]
            "Клики на ссылку",  # RU [M3]
            "Link-Klicks",  # DE [M7]
            "Clics en el enlace",  # ES [M4][M15]
            "Clics sur un lien",  # FR [M5][M6]
            "Clicks (all)",  # EN, every click incl. likes and profile taps [M3]
            "Клики (все)",  # RU [M17]
            "Klicks (alle)",  # DE [M7][M10]
            "Clics (todos)",  # ES [M4]
            "Clics (tous)",  # FR [M5]
        ),
        "joins": (
            "Follows or likes",  # EN, current page metric [M12]
            "Page likes",  # EN, older exports [M11]
            "Facebook likes",  # EN [M7]
            "Instagram follows",  # EN [M7]
            "„Gefällt mir“-Angaben auf Facebook",  # DE [M7]
            "Follows auf Instagram",  # DE [M7]
            "Me gusta en Facebook",  # ES [M4]
        ),
        "conversions": (
            # Purchases first: "Results" counts whatever the campaign objective optimises.
            "Purchases",  # EN [M3][M11]
            "Website purchases",  # EN [M11]
            "Покупки",  # RU [M2]
            "Покупки на сайте",  # RU [M3]
            "Website-Käufe",  # DE [M10]
            "Compras",  # ES [M4]
            "Achats",  # FR [M5]
            "Results",  # EN [M1][M3]
            "Результаты",  # RU [M3][M9]
            "Результат",  # RU [M17]
            "Ergebnisse",  # DE [M7][M10]
            "Resultados",  # ES [M15]
            "Résultats",  # FR [M5]
            "Результати",  # UK [M9]
        ),
        "revenue": (
            "Purchases conversion value",  # EN [M11][M18]
            "Purchase conversion value",  # EN [M3]
            "Website purchases conversion value",  # EN [M11]
            "Ценность конверсии покупки с сайта",  # RU [M3]
            "Valor de conversión de compras",  # ES [M4]
            "Valeur de conversion des achats",  # FR [M5]
        ),
        "currency": (
            "Currency",  # EN [M17]
            "Валюта",  # RU [M17]
            "Divisa",  # ES [M4]
            "Devise",  # FR [M6]
        ),
    },
    dimensions={
        "ad_set": (
            "Ad set name",  # EN [M3][M11]
            "Название группы объявлений",  # RU [M3][M13]
            "Name der Anzeigengruppe",  # DE [M7][M10]
            "Nombre del conjunto de anuncios",  # ES [M4]
            "Nom de l'ensemble de publicités",  # FR [M5]
            "Назва групи оголошень",  # UK [M9]
        ),
        "ad": (
            "Ad name",  # EN [M11][M18]
            "Название объявления",  # RU [M17]
            "Anzeigenname",  # DE [M8]
            "Nombre del anuncio",  # ES [M4]
            "Nom de la publicité",  # FR [M5]
            "Назва оголошення",  # UK [M9]
        ),
        "account": (
            "Nombre de la cuenta",  # ES [M4]
            "Nom du compte",  # FR [M6]
        ),
        "platform": ("Platform",),  # EN breakdown (Facebook, Instagram, ...) [M14]
        "placement": ("Placement",),  # EN breakdown [M14]
        "age": (
            "Age",  # EN [M11]
            "Edad",  # ES [M4]
        ),
        "gender": (
            "Gender",  # EN [M11]
            "Sexo",  # ES [M4]
        ),
    },
    sources=(
        "[M1] GitHub code normalising Facebook Ads exports: df['Reporting starts'], "
        "'Campaign name', 'Amount spent (USD)', 'Link clicks', 'Impressions', 'Results'",
        "[M2] GitHub code storing Russian Meta exports: row.get('Потраченная сумма (USD)'), "
        "'Клики по ссылке', 'Покупки', 'Дата начала отчетности', 'Дата окончания отчетности'",
        "[M3] GitHub test 'probe_ads' (headers 'taken from real exports'): Meta EN 'Reporting "
        "starts', 'Amount spent (USD)', 'Link clicks', 'Purchase conversion value'; Meta RU "
        "'Начало отчётного периода', 'Потраченная сумма (UZS)', 'Клики на ссылку', 'Покупки на "
        "сайте', 'Ценность конверсии покупки с сайта'",
        "[M4] GitHub doc 'REFERENCIA COMPLETA DE CAMPOS - META ADS EXCEL' (71 columns of a Spanish "
        "Meta Ads export: 'Importe gastado (EUR)', 'Divisa', 'Clics en el enlace', 'Inicio del "
        "informe', 'Me gusta en Facebook', 'Edad', 'Sexo')",
        "[M5] GitHub Streamlit analyser of French Meta exports (standardize_columns: 'Début des "
        "rapports', 'Montant dépensé (EUR)', 'Clics sur un lien', 'Couverture', 'Répétition', "
        "'Achats', 'Valeur de conversion des achats')",
        "[M6] GitHub French Meta import (row['Début des rapports'], 'Nom du compte', "
        "'Couverture', 'Répétition', 'Devise', 'Clics sur un lien', 'Montant dépensé')",
        "[M7] GitHub German/English column map (TypeScript COLUMN_MAP: 'Ausgegebener Betrag "
        "(EUR)', 'Link-Klicks', 'Klicks (alle)', '„Gefällt mir“-Angaben auf Facebook', "
        "'Follows auf Instagram', 'Facebook likes', 'Instagram follows', 'Ergebnisse')",
        "[M8] GitHub test 'erkennt deutsche Header': 'Anzeigenname', 'Tag', 'Ausgegebener Betrag "
        "(EUR)', 'Impressionen'",
        "[M9] GitHub Netlify function import-ad-spend (Ukrainian/Russian Meta exports: "
        "'Потраченная сумма (UAH)', 'Потрачена сума (EUR)', 'Дата початку звітності', 'Назва "
        "кампанії', 'Назва групи оголошень'; strips the UTF-8 BOM Meta exports include)",
        "[M10] GitHub multilingual Meta CSV parser (PAWEN COLUMN_MAP: 'Kampagnenname', 'Name der "
        "Anzeigengruppe', 'Website-Käufe', 'Frequenz', 'Tag')",
        "[M11] GitHub code reading Meta EN exports: 'Page likes', 'Website purchases', 'Website "
        "purchases conversion value'; a Thai export's headers 'Campaign name', 'Ad set name', "
        "'Age', 'Gender', 'Amount spent (THB)', 'Link clicks'",
        "[M12] Meta Ads Manager labels in GitHub code: goal 'Maximize Number Of Follows or likes', "
        "estimated-results panel 'Follows or likes'",
        "[M13] GitHub Russian Ads Manager table scraper ('Сумма затрат', 'Название кампании', "
        "'Название группы объявлений', 'Частота') and a guide to uploading Facebook spend tables "
        "('День', 'Начало отчетности', 'Сумма затрат', 'Потраченная сумма')",
        "[M14] The lead's brief: breakdown columns 'Platform' and 'Placement' (Meta's "
        "publisher_platform and placement breakdowns)",
        "[M15] GitHub Spanish Meta readers: 'Inicio del informe', 'Importe gastado (COP)', "
        "'Resultados'; 'Importe gastado (CLP)', 'Clics en el enlace'",
        "[M16] GitHub column alias lists with 'beginn der berichterstattung' beside 'reporting "
        "starts' (two independent projects)",
        "[M17] GitHub Meta importer reading ad?.['Потраченная сумма (USD)'], 'Клики по ссылке', "
        "'Клики (все)', 'Результат', 'Показы'; another (RU/EN Meta CSV) finding the currency "
        "column by /валют|currency/",
        "[M18] GitHub code reading Meta EN exports: 'Purchases conversion value', 'Ad name', "
        "'Amount spent (USD)'",
    ),
)


# --------------------------------------------------------------------------------------------
# Google Ads
# --------------------------------------------------------------------------------------------

_GOOGLE = Layout(
    name="google",
    title="Google Ads",
    platform="google",
    fields={
        "date": (
            "Day",  # EN "Segment > Time > Day" [G1][G2][G3]
            "День",  # RU [G4][G6]
            "Tag",  # DE [G7]
            "Día",  # ES [G9]
            "Jour",  # FR [G1][G8]
        ),
        "campaign": (
            "Campaign",  # EN [G1][G2][G3]
            "Кампания",  # RU [G4][G5]
            "Kampagne",  # DE [G7]
            "Campaña",  # ES [G9]
            "Campagne",  # FR [G1][G8]
            "Кампанія",  # UK [G5]
        ),
        "spend": (
            "Cost",  # EN [G1][G2][G3]
            "Расходы",  # RU [G5][G6]
            "Стоимость",  # RU, older interface [G6]
            "Цена",  # RU [G4]
            "Kosten",  # DE [G7]
            "Coste",  # ES (Spain) [G9]
            "Costo",  # ES (Latin America) [G9]
            "Coût",  # FR [G1][G8]
            "Витрати",  # UK [G5]
        ),
        "impressions": (
            "Impr.",  # EN, also ES [G1][G4][G9]
            "Impressions",  # EN, also FR [G2][G3][G8]
            "Показы",  # RU [G4][G5]
            "Impressionen",  # DE [G7]
            "Impresiones",  # ES [G9]
            "Покази",  # UK [G5]
        ),
        "clicks": (
            "Clicks",  # EN [G1][G2][G3]
            "Kлики",  # RU with a Latin "K", as Google writes it [G5][G11]
            "Клики",  # RU [G4][G5]
            "Klicks",  # DE [G7]
            "Clics",  # ES, FR [G8][G9]
            "Кліки",  # UK [G5]
        ),
        "conversions": (
            "Conversions",  # EN, also DE and FR [G1][G7][G8]
            "Конверсии",  # RU [G4][G5]
            "Conversiones",  # ES [G9]
            "Конверсії",  # UK [G5]
        ),
        "revenue": (
            "Conv. value",  # EN [G4][G10]
            "Ценность конв.",  # RU [G5]
            "Ценность конверсии",  # RU [G4]
            "Conv.-Wert",  # DE [G7]
            "Valor de conv.",  # ES [G9]
            "Valeur de conv.",  # FR [G8]
            "Цінність конв.",  # UK [G5]
        ),
        "currency": (
            "Currency code",  # EN [G1]
            "Currency",  # EN [G2][G3]
            "Код валюты",  # RU [G5][G6]
            "Währungscode",  # DE [G7]
            "Código de moneda",  # ES (listed accent-stripped in [G1])
            "Code de la devise",  # FR [G1]
            "Код валюти",  # UK [G5]
        ),
    },
    dimensions={
        "ad_group": (
            "Ad group",  # EN [G10]
            "Anzeigengruppe",  # DE [G10]
            "Groupe d'annonces",  # FR [G8]
        ),
        "campaign_type": (
            "Campaign type",  # EN [G5]
            "Тип кампании",  # RU [G5]
            "Tipo de campaña",  # ES [G9]
            "Тип кампанії",  # UK [G5]
        ),
    },
    sources=(
        "[G1] GitHub lib/googleAds/reportParse.js (an importer of downloaded Google Ads reports): "
        "sample 'Day,Campaign,Campaign ID,Currency code,Cost,Impr.,Clicks,Conversions' under a "
        "title row and a date-range row, 'Total: Account' rows, UTF-16 TAB 'CSV (Excel)', French "
        "'Jour,Campagne,Coût,Clics'; header lists per interface language",
        "[G2] mohamed1nashaat/RB-Benchmarking docs/GOOGLE_ADS_CSV_EXPORT_GUIDE.md: 'Day, "
        "Campaign, Campaign ID, Cost, Currency, Clicks, Impressions, Conversions'",
        "[G3] Kriptos1834/ads_statistics get_stat/google_adwords/config.py: 'Cost', 'Day', "
        "'Campaign', 'Impressions', 'Clicks', 'Currency'",
        "[G4] GitHub test 'probe_ads' (headers 'taken from real exports'): Google RU 'День', "
        "'Кампания', 'Показы', 'Клики', 'Цена', 'Конверсии', 'Ценность конверсии'; EN 'Day', "
        "'Campaign', 'Impr.', 'Clicks', 'Cost', 'Conversions', 'Conv. value'",
        "[G5] GitHub parser of RU/UK Google Ads campaign reports ('Отчет о кампании' / 'Звіт про "
        "кампанії'): 'Кампания', 'Расходы', 'Kлики' (Latin K), 'Показы', 'Конверсии', 'Ценность "
        "конв.', 'Код валюты', 'Тип кампании' and the Ukrainian equivalents",
        "[G6] GitHub Google Ads RU report parser: a 'День' column per row, 'Кампания', 'Показы', "
        "'Расходы', 'Стоимость', 'Код валюты'",
        "[G7] GitHub tests of German Google Ads exports ('Fälle, die in echten Google-Ads-Exporten "
        "vorkommen': 'Kampagne,Tag,Impressionen,Klicks,Kosten,Conversions,Conv.-Wert') and a "
        "search-terms reader ('Conv.-Wert', 'Währungscode')",
        "[G8] GitHub French Google Ads parser test ('Jour,Campagne,Coût,Clics,Impressions,"
        "Conversions,Valeur de conv.') and a French detection list ('groupe d'annonces')",
        "[G9] GitHub Spanish Google Ads parser test ('Día,Campaña,Impr.,Clics,Coste') and a "
        "Spanish report reader ('Campaña', 'Costo', 'Coste', 'Impresiones', 'Conversiones', "
        "'Valor de conv.', 'Tipo de campaña')",
        "[G10] GitHub German/English Google+Meta column map ('Ad group', 'Anzeigengruppe', "
        "'Kosten', 'Klicks') and code reading 'Conv. value'",
        "[G11] GitHub readers of Google exports noting the Latin 'K' in 'Kлики' (Search Console "
        "and Google Ads, 'проверено на живой выгрузке')",
    ),
)


# --------------------------------------------------------------------------------------------
# TikTok Ads Manager
# --------------------------------------------------------------------------------------------

_TIKTOK = Layout(
    name="tiktok",
    title="TikTok Ads Manager",
    platform="tiktok",
    fields={
        "date": (
            "By Day",  # EN [T4]
            "Date",  # EN [T4][T6]
            "Por día",  # ES [T5]
        ),
        "campaign": (
            "Campaign name",  # EN [T2][T4]
            "Nombre de la campaña",  # ES [T5]
        ),
        "spend": (
            "Cost",  # EN [T1][T4]
            "Coste",  # ES [T5]
            "Gasto",  # ES [T5]
        ),
        "impressions": (
            "Impressions",  # EN [T1][T4]
            "Impression",  # EN, older export [T4]
            "Impresiones",  # ES [T5]
        ),
        "reach": (
            "Reach",  # EN [T1][T4]
            "Alcance",  # ES [T5]
        ),
        "frequency": ("Frequency",),  # EN [T1][T4]
        "clicks": (
            "Clicks (destination)",  # EN, clicks to the advertiser's destination [T1][T4]
            "Clics (destino)",  # ES [T5]
            "Clicks (all)",  # EN, incl. social interactions [T1]
        ),
        "joins": (
            "Paid followers",  # EN [T2][T3]
            "Seguidores de pago",  # ES [T5]
        ),
        "conversions": (
            "Conversions",  # EN [T1][T4]
            "Conversiones",  # ES [T5]
            "Results",  # EN [T7]
        ),
        "revenue": (
            "Total purchase value",  # EN [T2]
            "Total complete payment value",  # EN [T6]
        ),
        "currency": ("Moneda",),  # ES [T5]
    },
    dimensions={
        "ad_group": ("Ad group name",),  # EN [T2][T4][T7]
        "ad": (
            "Ad name",  # EN [T2][T4]
            "Nombre del anuncio",  # ES [T5]
        ),
        "placement": ("Placement",),  # EN [T6]
        "age": (
            "Age",  # EN [T6]
            "Edad",  # ES [T5]
        ),
        "gender": ("Gender",),  # EN [T6]
    },
    sources=(
        "[T1] TikTok Ads Manager help, 'Basic metrics and definitions in TikTok Ads Manager': "
        "Clicks (all), Clicks (destination), Conversions, Cost, Frequency, Impressions, Reach",
        "[T2] Commanders Act Adloop docs, 'Tiktok Ads metrics & dimensions': Paid Followers, Total "
        "purchase value, Ad Group Name, Ad name, Campaign name",
        "[T3] DashThis help, 'TikTok Ads metrics and dimensions': Paid Followers",
        "[T4] GitHub TikTok export readers: Korean/English col_map 'Clicks (destination)', "
        "'Impressions', 'Conversions', 'Cost', 'By Day', 'Ad name'; a template 'mirroring a real "
        "TikTok Ads Manager export' ('By Day', 'Campaign name', 'Ad group name', 'Reach', "
        "'Frequency'); a PHP reader ('Impression', 'Clicks (Destination)', 'Cost')",
        "[T5] GitHub readers of Spanish TikTok exports: 'Por día', 'Coste', 'Impresiones', 'Clics "
        "(destino)', 'Conversiones', 'Edad'; 'Nombre de la campaña', 'Nombre del anuncio', "
        "'Gasto', 'Alcance', 'Seguidores de pago', 'Moneda'",
        "[T6] GitHub TikTok report dimension labels ('Date', 'Campaign name', 'Ad Group name', "
        "'Age', 'Gender', 'Placement') and a TikTok detection list ('Total complete payment "
        "value', 'Clicks (destination)')",
        "[T7] GitHub TikTok column map ('ad group name', 'clicks (destination)', 'results', "
        "'conversions')",
    ),
)


# --------------------------------------------------------------------------------------------
# LinkedIn Campaign Manager
# --------------------------------------------------------------------------------------------

_LINKEDIN = Layout(
    name="linkedin",
    title="LinkedIn Campaign Manager",
    platform="linkedin",
    date_order="mdy",
    fields={
        "date": (
            "Start Date (in UTC)",  # EN [L1][L2]
            "Begindatum (in UTC)",  # NL [L1]
        ),
        "campaign": (
            "Campaign Name",  # EN [L1][L2]
            "Campagnenaam",  # NL [L1]
        ),
        "spend": (
            "Total Spent",  # EN [L1][L2]
            "Totaal besteed",  # NL [L1]
        ),
        "impressions": (
            "Impressions",  # EN [L1][L2]
            "Weergaven",  # NL [L1]
        ),
        "reach": ("Reach",),  # EN [L2]
        "clicks": (
            # Landing-page clicks first: LinkedIn's "Clicks" also counts clicks on the page name.
            "Clicks to Landing Page",  # EN [L1][L2]
            "Klikken naar bestemmingspagina",  # NL [L1]
            "Clicks",  # EN [L1][L2]
            "Klikken",  # NL [L1]
        ),
        "joins": ("Follows",),  # EN [L2]
        "conversions": (
            "Conversions",  # EN [L1][L2]
            "Conversies",  # NL [L1]
            "Leads",  # EN and NL, lead-gen form submissions [L1][L2]
        ),
        "currency": (
            "Currency",  # EN [L1]
            "Valuta",  # NL [L1]
        ),
    },
    dimensions={
        "ad_set": (
            "Ad Set Name",  # EN [L1]
            "Naam van advertentieset",  # NL [L1]
        ),
        "ad": (
            "Ad Name",  # EN [L1]
            "Creative Name",  # EN, older exports [L2]
            "Advertentienaam",  # NL [L1]
        ),
        "account": (
            "Account Name",  # EN [L1][L2]
            "Accountnaam",  # NL [L1]
        ),
    },
    sources=(
        "[L1] GitHub reader of LinkedIn Campaign Manager ad-performance exports (UTF-16 with BOM, "
        "TAB-separated, header on line 6, export in the interface language): EN 'Start Date (in "
        "UTC)', 'Account Name', 'Currency', 'Campaign Name', 'Ad Set Name', 'Ad Name', 'Total "
        "Spent', 'Impressions', 'Clicks', 'Conversions', 'Leads', 'Clicks to Landing Page' and the "
        "Dutch equivalents",
        "[L2] GitHub SAS import of 'Raw Campaign Manager Extracts': 'Start Date (in UTC)', "
        "'Campaign Name', 'Creative Name', 'Total Spent', 'Reach', 'Impressions', 'Clicks', "
        "'Clicks to Landing Page', 'Follows', 'Leads', 'Conversions'",
    ),
)


# --------------------------------------------------------------------------------------------
# VK Ads (ads.vk.com), the older VK cabinet and myTarget
# --------------------------------------------------------------------------------------------

_VK = Layout(
    name="vk",
    title="VK Ads (ads.vk.com, older VK cabinet, myTarget)",
    platform="vk",
    fields={
        "date": ("Дата",),  # VK Ads export [V1]; VK API 'day' as shown in the cabinet [V4]
        "campaign": ("Название кампании",),  # VK Ads campaign table [V2]
        "spend": (
            "Потрачено, ₽",  # VK Ads export [V1][V2]
            "Потрачено всего, ₽",  # VK Ads campaign table, VK music-promo export [V2][V5]
            "Расход",  # myTarget statistics [V6]
        ),
        "impressions": ("Показы",),  # [V1][V2][V4][V6]
        "reach": ("Охват",),  # [V1][V3][V4][V6]
        "frequency": ("Средняя частота",),  # myTarget [V6]
        "clicks": (
            "Клики",  # VK Ads, myTarget [V1][V2][V6]
            "Переходы",  # older VK cabinet [V3]
        ),
        "joins": (
            "Вступления",  # older VK cabinet [V3]
            "Вступления в сообщество",  # VK label of join_group [V4]
        ),
        "conversions": ("Результат",),  # VK Ads: results of the campaign's goal [V2]
        "revenue": ("Доход",),  # myTarget [V6]
    },
    dimensions={
        "ad_group": ("Название группы",),  # [V2]
        "ad": ("Название объявления",),  # [V1][V2][V5]
        "age": ("Возраст",),  # VK demography export [V5]
        "gender": ("Пол",),  # VK demography export [V5]
    },
    sources=(
        "[V1] GitHub PHP importer of a VK Ads statistics export (SimpleExcelReader headers "
        "'Дата', 'Название объявления', 'Статус', 'ID объявления', 'ID группы объявлений', "
        "'Показы', 'Клики', 'Потрачено, ₽', 'Охват')",
        "[V2] GitHub VK Ads cabinet replica (campaign/group/ad tables: 'Название кампании', "
        "'Название группы', 'Название объявления', 'Результат', 'Потрачено всего, ₽', "
        "'Потрачено', 'Клики', 'Показы')",
        "[V3] GitHub transform of older VK cabinet exports (cols_naming: 'Вступления', "
        "'Переходы', 'Потрачено', 'Охват', 'CTR,%')",
        "[V4] meta110/powerbi vk/vkstat.m: VK ads API fields renamed to cabinet labels "
        "('Вступления в сообщество' for join_group, 'Показы', 'Клики', 'Охват', 'Дата')",
        "[V5] GitHub VK music-promo report ('expected VK export headers': 'Потрачено всего, ₽', "
        "'Показы', 'Клики', 'Название объявления'; demography 'Возраст', 'Пол')",
        "[V6] myTarget help, 'Статистика' (target.my.com): Показы, Клики, Расход, Доход, Охват, "
        "Средняя частота",
    ),
)


LAYOUTS: dict[str, Layout] = {
    layout.name: layout for layout in (_META, _GOOGLE, _TIKTOK, _LINKEDIN, _VK)
}


# --------------------------------------------------------------------------------------------
# Generic: a hand-made or third-party CSV that uses plain English names
# --------------------------------------------------------------------------------------------

GENERIC = Layout(
    name="generic",
    title="Generic CSV (canonical or common English column names)",
    platform="",
    fields={
        "date": ("date", "day", "start date", "date start", "reporting starts"),
        "date_end": ("end date", "date end", "reporting ends"),
        "platform": ("platform",),
        "tool": ("tool",),
        "campaign": ("campaign", "campaign name"),
        "spend": ("spend", "amount spent", "cost", "ad spend"),
        "impressions": ("impressions", "impr.", "displays"),
        "reach": ("reach",),
        "frequency": ("frequency",),
        "clicks": ("link clicks", "website clicks", "clicks", "clicks (all)"),
        "joins": ("joins", "follows", "page likes"),
        "conversions": ("conversions", "purchases", "purchase", "conv."),
        "revenue": ("revenue", "conversion value", "conv. value", "purchase value", "sales"),
        "currency": ("currency", "currency code"),
    },
    dimensions={
        "ad_set": ("ad set name", "ad set"),
        "ad_group": ("ad group name", "ad group"),
        "ad": ("ad name", "ad"),
        "placement": ("placement",),
        "age": ("age",),
        "gender": ("gender",),
    },
    sources=(
        "The canonical columns of DESIGN.md section 3 and common English synonyms; matches "
        "../shared/data/ab_test_*.csv ('Campaign Name;Date;Spend [USD];# of Impressions;Reach;"
        "# of Website Clicks;...;# of Purchase')",
    ),
)


# The import formats, declared once: `auto` (detect the layout from the header), every platform
# layout, and `generic` (plain English names). `smmsim calibrate --format` offers exactly these.
IMPORT_FORMATS: tuple[str, ...] = ("auto", *LAYOUTS, GENERIC.name)


def layout_named(name: str) -> Layout:
    """The layout of a format name other than "auto"."""
    return GENERIC if name == GENERIC.name else LAYOUTS[name]


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------

_METRICS = (
    "spend",
    "impressions",
    "reach",
    "frequency",
    "clicks",
    "joins",
    "conversions",
    "revenue",
)
_REQUIRED_METRICS = ("spend", "impressions", "clicks")


def _spellings(layout: Layout) -> set[str]:
    """Every normalised spelling of a layout, fields and dimensions alike."""
    columns = (*layout.fields.values(), *layout.dimensions.values())
    return {normalise_header(spelling) for spellings in columns for spelling in spellings}


def _distinctive(layout: Layout, others: list[Layout]) -> frozenset[str]:
    """Metric spellings only this platform writes: the evidence that tells platforms apart."""
    taken = set().union(*(_spellings(other) for other in others))
    own = {
        normalise_header(spelling) for name in _METRICS for spelling in layout.fields.get(name, ())
    }
    return frozenset(own - taken)


_DISTINCTIVE: dict[str, frozenset[str]] = {
    name: _distinctive(layout, [other for other in LAYOUTS.values() if other is not layout])
    for name, layout in LAYOUTS.items()
}


def layout_columns(layout: Layout, headers: list[str]) -> dict[str, str]:
    """Which original header feeds each field and dimension: the first spelling present wins.

    A header feeds at most one key (fields are resolved before dimensions), and a repeated header
    counts at its first occurrence, so a file's columns are never read twice.
    """
    present: dict[str, str] = {}
    for header in headers:
        present.setdefault(normalise_header(header), header)
    columns: dict[str, str] = {}
    claimed: set[str] = set()
    for key, spellings in (*layout.fields.items(), *layout.dimensions.items()):
        for spelling in spellings:
            normalised = normalise_header(spelling)
            if normalised in present and normalised not in claimed:
                columns[key] = present[normalised]
                claimed.add(normalised)
                break
    return columns


def _qualifies(columns: dict[str, str]) -> bool:
    """A daily export needs its date and at least two of spend, impressions and clicks."""
    found = sum(1 for name in _REQUIRED_METRICS if name in columns)
    return "date" in columns and found >= 2


def _score(
    layout: Layout, columns: dict[str, str], headers: list[str]
) -> tuple[int, int, int, int]:
    """Rank a qualifying layout: distinctive columns, then fields, then fields and dimensions."""
    distinctive = _DISTINCTIVE.get(layout.name, frozenset())
    evidence = len({normalise_header(header) for header in headers} & distinctive)
    fields = sum(1 for key in columns if key in layout.fields)
    return evidence, fields, len(columns), int(layout is GENERIC)


def match_layout(headers: list[str]) -> tuple[Layout, dict[str, str]] | None:
    """The layout that best explains a header row and its column mapping, or None.

    On equal evidence GENERIC wins, so an export is credited to a platform only on a column that
    platform alone writes.
    """
    best: tuple[tuple[int, int, int, int], Layout, dict[str, str]] | None = None
    for layout in (*LAYOUTS.values(), GENERIC):
        columns = layout_columns(layout, headers)
        if not _qualifies(columns):
            continue
        score = _score(layout, columns, headers)
        if best is None or score > best[0]:
            best = (score, layout, columns)
    return None if best is None else (best[1], best[2])
