"""Country codes accepted in the issuing-state and nationality fields.

ISO 3166-1 alpha-3 (as of the iso-codes data set) plus the codes ICAO 9303 part 3 adds: Germany's
one-letter `D`, the British nationality classes, UN and stateless codes, organisations. An unknown
code is a warning, not an error: states appear and rename faster than any list ships.
"""

from __future__ import annotations

ISO_3166_ALPHA3: frozenset[str] = frozenset(
    """
    ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR
    BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG
    COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH
    FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY
    HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM
    KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL
    MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR
    NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU
    SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA
    TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB
    VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE
    """.split()
)

ICAO_SPECIAL: dict[str, str] = {
    "D": "Germany",
    "EUE": "European Union",
    "GBD": "British Overseas Territories Citizen",
    "GBN": "British National (Overseas)",
    "GBO": "British Overseas Citizen",
    "GBP": "British Protected Person",
    "GBS": "British Subject",
    "RKS": "Kosovo",
    "UNA": "Specialised agency of the United Nations",
    "UNK": "Resident of Kosovo (UNMIK)",
    "UNO": "United Nations Organization",
    "XBA": "African Development Bank",
    "XCC": "Caribbean Community",
    "XCE": "Council of Europe",
    "XCO": "Common Market for Eastern and Southern Africa",
    "XDC": "Southern African Development Community",
    "XEC": "Economic Community of West African States",
    "XES": "Organisation of Eastern Caribbean States",
    "XIM": "African Export-Import Bank",
    "XMP": "International Committee of the Red Cross",
    "XOM": "Sovereign Military Order of Malta",
    "XPO": "INTERPOL",
    "XXA": "Stateless person (1954 Convention)",
    "XXB": "Refugee (1951 Convention)",
    "XXC": "Refugee (other than the 1951 Convention)",
    "XXX": "Person of unspecified nationality",
}

SPECIMEN_STATES: frozenset[str] = frozenset({"UTO"})
"""Utopia, the fictitious state of the ICAO specimens: parsed, but flagged as a specimen."""


def normalise(field: str) -> str:
    """The code as written, without its trailing fillers (`D<<` -> `D`)."""
    return field.rstrip("<")


def is_known(code: str) -> bool:
    """True for ISO alpha-3 codes, ICAO special codes and the specimen state."""
    return code in ISO_3166_ALPHA3 or code in ICAO_SPECIAL or code in SPECIMEN_STATES
