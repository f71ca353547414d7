"""Stable reason codes and the texts an officer reads, in English and French.

A recommendation carries reasons: rule reasons (why the lane's rules refer or redirect) and
model reasons (`score.<feature>`, the features that raised the risk score most). Codes are
stable: the audit log, headquarters and the booth key on them. Every code has both texts;
`tests/decision/test_reasons.py` fails on any code without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from edge.errors import DecisionError

RULE_TEXTS: dict[str, tuple[str, str]] = {
    "model_unavailable": (
        "Risk model unavailable: refer and report the fault",
        "Modèle de risque indisponible : renvoyer et signaler la panne",
    ),
    "risk_score_high": (
        "Risk score above the referral threshold",
        "Score de risque supérieur au seuil de renvoi",
    ),
    "card_unknown": (
        "Card not found in the trusted-traveller roster",
        "Carte introuvable dans la liste des voyageurs dignes de confiance",
    ),
    "card_suspended": ("Membership suspended", "Adhésion suspendue"),
    "card_revoked": ("Membership revoked", "Adhésion révoquée"),
    "card_expired": ("Membership expired", "Adhésion expirée"),
    "card_wrong_programme": (
        "Card programme not valid for this lane",
        "Programme de la carte non valide pour cette voie",
    ),
    "occupant_without_card": (
        "An occupant has no valid programme card",
        "Un occupant n'a pas de carte de programme valide",
    ),
    "occupant_unidentified": (
        "More occupants declared than identified",
        "Plus d'occupants déclarés que d'occupants identifiés",
    ),
    "lookout_document": (
        "Document number matches a lookout",
        "Le numéro du document correspond à un avis de surveillance",
    ),
    "lookout_name": (
        "Traveller name matches a lookout",
        "Le nom du voyageur correspond à un avis de surveillance",
    ),
    "lookout_plate": (
        "Licence plate matches a lookout",
        "La plaque d'immatriculation correspond à un avis de surveillance",
    ),
    "plate_unread": (
        "Licence plate not read reliably",
        "Plaque d'immatriculation non lue de façon fiable",
    ),
    "plate_not_registered": (
        "Plate not registered to a member in the vehicle",
        "Plaque non enregistrée au nom d'un membre présent dans le véhicule",
    ),
    "document_invalid": (
        "Travel document failed its checks",
        "Le document de voyage a échoué aux vérifications",
    ),
    "document_expired": ("Travel document expired", "Document de voyage expiré"),
    "identity_mismatch": (
        "Document does not match the card holder",
        "Le document ne correspond pas au titulaire de la carte",
    ),
    "manifest_missing": (
        "No pre-arrival manifest for this truck",
        "Aucun manifeste préalable à l'arrivée pour ce camion",
    ),
    "manifest_mismatch": (
        "Manifest driver or plate differs from what was read",
        "Le conducteur ou la plaque du manifeste diffère de la lecture",
    ),
    "manifest_outside_window": (
        "Arrival outside the manifest's expected window",
        "Arrivée hors de la fenêtre prévue au manifeste",
    ),
    "carrier_not_trusted": (
        "Carrier is not an active trusted trader",
        "Le transporteur n'est pas un négociant fiable actif",
    ),
    "importer_not_trusted": (
        "Importer is not an active trusted trader",
        "L'importateur n'est pas un négociant fiable actif",
    ),
    "eligible_nexus": (
        "All occupants hold valid NEXUS cards; no concerns found",
        "Tous les occupants ont une carte NEXUS valide; aucune préoccupation",
    ),
    "eligible_fast": (
        "Driver, carrier, importer and manifest eligible for FAST",
        "Conducteur, transporteur, importateur et manifeste admissibles à EXPRES",
    ),
    "no_concerns": ("No rule or risk concern found", "Aucune préoccupation de règle ou de risque"),
    "score_low": (
        "No risk indicator raised the score",
        "Aucun indicateur de risque n'a augmenté le score",
    ),
}

FEATURE_TEXTS: dict[str, tuple[str, str]] = {
    "t_no_card": ("identified by document only", "identifié par document seulement"),
    "t_card_unknown": ("card not in the roster", "carte absente de la liste"),
    "t_card_suspended": ("membership suspended", "adhésion suspendue"),
    "t_card_revoked": ("membership revoked", "adhésion révoquée"),
    "t_card_expired": ("membership expired", "adhésion expirée"),
    "t_card_wrong_programme": (
        "card programme does not fit the lane",
        "programme de la carte inadapté à la voie",
    ),
    "t_doc_invalid": ("document failed its checks", "document non conforme aux vérifications"),
    "t_doc_expired": ("document expired", "document expiré"),
    "t_doc_errors": ("document read with errors", "document lu avec des erreurs"),
    "t_lookout_document": ("document on a lookout", "document visé par un avis"),
    "t_lookout_name": ("name on a lookout", "nom visé par un avis"),
    "t_identity_mismatch": (
        "document differs from card holder",
        "document différent du titulaire de la carte",
    ),
    "c_unidentified": ("occupants not identified", "occupants non identifiés"),
    "c_plate_unread": ("plate not read", "plaque non lue"),
    "c_plate_not_registered": (
        "plate not registered to an occupant",
        "plaque non enregistrée au nom d'un occupant",
    ),
    "c_lookout_plate": ("plate on a lookout", "plaque visée par un avis"),
    "c_recent_crossings": ("frequent recent crossings", "passages récents fréquents"),
    "c_manifest_missing": ("no manifest", "aucun manifeste"),
    "c_manifest_mismatch": ("manifest differs from reads", "manifeste différent des lectures"),
    "c_manifest_outside_window": (
        "arrival outside manifest window",
        "arrivée hors de la fenêtre du manifeste",
    ),
    "c_carrier_not_trusted": ("carrier not trusted", "transporteur non fiable"),
    "c_importer_not_trusted": ("importer not trusted", "importateur non fiable"),
}

SCORE_PREFIX = "score."


def _score_texts() -> dict[str, tuple[str, str]]:
    return {
        SCORE_PREFIX + name: (f"Risk score raised by: {en}", f"Score de risque augmenté par : {fr}")
        for name, (en, fr) in FEATURE_TEXTS.items()
    }


REASONS: dict[str, tuple[str, str]] = {**RULE_TEXTS, **_score_texts()}


class UnknownReasonError(DecisionError):
    code = "decision.reason_unknown"


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason: stable code, its texts, where it came from, and optional detail.

    `detail` never holds personal data: a lookout's own reason code, a fault code, a weight.
    """

    code: str
    en: str
    fr: str
    source: str  # "rule" | "model"
    detail: str | None = None
    contribution: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "en": self.en,
            "fr": self.fr,
            "source": self.source,
        }
        if self.detail is not None:
            out["detail"] = self.detail
        if self.contribution is not None:
            out["contribution"] = round(self.contribution, 4)
        return out


def reason(
    code: str, *, source: str = "rule", detail: str | None = None, contribution: float | None = None
) -> Reason:
    """Build a reason from the table; an unknown code is a programming error."""
    try:
        en, fr = REASONS[code]
    except KeyError as err:
        raise UnknownReasonError("reason code has no texts", reason=code) from err
    return Reason(code, en, fr, source, detail, contribution)
