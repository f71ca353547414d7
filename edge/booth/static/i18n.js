/* Texts of the booth page in English and French.
 * ui: the page's own words; errors: every error code the booth API answers with; reasons: every
 * reason code of edge.decision (a recommendation also carries its own en/fr texts, which win);
 * documents: every MRZ error and warning code of edge.documents.
 * The block between the markers is JSON: tests/booth/test_i18n.py reads it and fails on a code
 * without both texts. */
window.BOOTH_I18N = /*I18N-BEGIN*/{
 "ui": {
  "vehicle": {
   "en": "Vehicle",
   "fr": "Véhicule"
  },
  "no_vehicle": {
   "en": "No vehicle — waiting for the next one",
   "fr": "Aucun véhicule — en attente du suivant"
  },
  "waiting": {
   "en": "Waiting ",
   "fr": "Attente "
  },
  "approaching_tag": {
   "en": "Approaching",
   "fr": "En approche"
  },
  "at_booth_tag": {
   "en": "At the booth",
   "fr": "À la guérite"
  },
  "occupants": {
   "en": "Occupants",
   "fr": "Occupants"
  },
  "declared": {
   "en": "declared",
   "fr": "déclarés"
  },
  "no_occupants": {
   "en": "No card or document read yet",
   "fr": "Aucune carte ni document lu pour l'instant"
  },
  "card": {
   "en": "Card",
   "fr": "Carte"
  },
  "document": {
   "en": "Document",
   "fr": "Document"
  },
  "card_read": {
   "en": "NO STATUS",
   "fr": "SANS STATUT"
  },
  "status_active": {
   "en": "ACTIVE",
   "fr": "ACTIVE"
  },
  "status_suspended": {
   "en": "SUSPENDED",
   "fr": "SUSPENDUE"
  },
  "status_revoked": {
   "en": "REVOKED",
   "fr": "RÉVOQUÉE"
  },
  "status_expired": {
   "en": "EXPIRED",
   "fr": "EXPIRÉE"
  },
  "status_unknown": {
   "en": "NOT IN ROSTER",
   "fr": "ABSENTE DE LA LISTE"
  },
  "doc_valid": {
   "en": "VALID",
   "fr": "VALIDE"
  },
  "doc_invalid": {
   "en": "CHECKS FAILED",
   "fr": "VÉRIFICATIONS ÉCHOUÉES"
  },
  "doc_expired": {
   "en": "EXPIRED",
   "fr": "EXPIRÉ"
  },
  "expires": {
   "en": "expires",
   "fr": "expire le"
  },
  "failed_checks": {
   "en": "failed checks",
   "fr": "vérifications échouées"
  },
  "plate_none": {
   "en": "Plate not read",
   "fr": "Plaque non lue"
  },
  "confidence": {
   "en": "confidence",
   "fr": "confiance"
  },
  "low_confidence": {
   "en": "LOW CONFIDENCE",
   "fr": "CONFIANCE FAIBLE"
  },
  "lookout": {
   "en": "LOOKOUT",
   "fr": "AVIS DE SURVEILLANCE"
  },
  "recommendation": {
   "en": "Lane recommends",
   "fr": "La voie recommande"
  },
  "rec_pending": {
   "en": "Working…",
   "fr": "Analyse…"
  },
  "rec_release": {
   "en": "RELEASE",
   "fr": "LAISSER PASSER"
  },
  "rec_refer": {
   "en": "REFER",
   "fr": "RENVOYER"
  },
  "rec_redirect": {
   "en": "REDIRECT",
   "fr": "REDIRIGER"
  },
  "score": {
   "en": "Score",
   "fr": "Score"
  },
  "score_none": {
   "en": "no score (model unavailable)",
   "fr": "aucun score (modèle indisponible)"
  },
  "act_release": {
   "en": "Release",
   "fr": "Laisser passer"
  },
  "act_refer": {
   "en": "Refer",
   "fr": "Renvoyer"
  },
  "act_redirect": {
   "en": "Redirect",
   "fr": "Rediriger"
  },
  "note": {
   "en": "Note (optional, N)",
   "fr": "Note (facultative, N)"
  },
  "confirm_against": {
   "en": "The lane recommends {rec}. Record {act} anyway?",
   "fr": "La voie recommande {rec}. Enregistrer {act} quand même ?"
  },
  "confirm_arrive": {
   "en": "{current} is at the booth without a decision. Bring {plate} to the booth instead?",
   "fr": "{current} est à la guérite sans décision. Faire passer {plate} à la guérite à sa place ?"
  },
  "confirm_yes": {
   "en": "Yes, record (Enter)",
   "fr": "Oui, enregistrer (Entrée)"
  },
  "confirm_no": {
   "en": "Cancel (Esc)",
   "fr": "Annuler (Échap)"
  },
  "recorded": {
   "en": "Recorded: {act}",
   "fr": "Enregistré : {act}"
  },
  "queue": {
   "en": "Approaching:",
   "fr": "En approche :"
  },
  "queue_none": {
   "en": "none",
   "fr": "aucun"
  },
  "recent": {
   "en": "Recent:",
   "fr": "Récents :"
  },
  "keys": {
   "en": "Keys: R release · F refer · D redirect · O occupants · A at booth · N note · L français",
   "fr": "Touches : R laisser passer · F renvoyer · D rediriger · O occupants · A à la guérite · N note · L English"
  },
  "lang_button": {
   "en": "FR (L)",
   "fr": "EN (L)"
  },
  "unreachable": {
   "en": "Lane daemon unreachable — reconnecting… Decide on paper until this clears.",
   "fr": "Démon de la voie injoignable — reconnexion… Décidez sur papier en attendant."
  },
  "reconnected": {
   "en": "Connection restored",
   "fr": "Connexion rétablie"
  },
  "light_mrz": {
   "en": "MRZ",
   "fr": "ZLA"
  },
  "light_rfid": {
   "en": "RFID",
   "fr": "RFID"
  },
  "light_camera": {
   "en": "CAMERA",
   "fr": "CAMÉRA"
  },
  "light_sync": {
   "en": "SYNC",
   "fr": "SYNCHRO"
  },
  "light_ok": {
   "en": "OK",
   "fr": "OK"
  },
  "light_down": {
   "en": "DOWN",
   "fr": "EN PANNE"
  },
  "light_starting": {
   "en": "STARTING",
   "fr": "DÉMARRAGE"
  },
  "light_absent": {
   "en": "NONE",
   "fr": "AUCUN"
  },
  "light_unknown": {
   "en": "UNKNOWN",
   "fr": "INCONNU"
  },
  "mode_open": {
   "en": "OPEN",
   "fr": "OUVERTE"
  },
  "mode_closed": {
   "en": "CLOSED",
   "fr": "FERMÉE"
  },
  "versions": {
   "en": "Versions",
   "fr": "Versions"
  },
  "declare": {
   "en": "Occupants seen",
   "fr": "Occupants vus"
  },
  "declare_button": {
   "en": "Declare (O)",
   "fr": "Déclarer (O)"
  },
  "declared_recorded": {
   "en": "{n} occupant(s) declared",
   "fr": "{n} occupant(s) déclaré(s)"
  },
  "arrive_button": {
   "en": "At booth",
   "fr": "À la guérite"
  },
  "arrive_label": {
   "en": "{plate} is the vehicle at the booth",
   "fr": "{plate} est le véhicule à la guérite"
  },
  "arrived_recorded": {
   "en": "{plate} is now at the booth",
   "fr": "{plate} est maintenant à la guérite"
  }
 },
 "errors": {
  "booth.bad_json": {
   "en": "The request was not valid JSON",
   "fr": "La requête n'était pas du JSON valide"
  },
  "booth.bad_request": {
   "en": "The request was malformed",
   "fr": "La requête était mal formée"
  },
  "booth.bad_action": {
   "en": "Unknown decision: use release, refer or redirect",
   "fr": "Décision inconnue : laisser passer, renvoyer ou rediriger"
  },
  "booth.note_too_long": {
   "en": "The note is too long (500 characters at most)",
   "fr": "La note est trop longue (500 caractères au plus)"
  },
  "booth.body_too_large": {
   "en": "The request is too large",
   "fr": "La requête est trop volumineuse"
  },
  "booth.unauthorized": {
   "en": "This terminal is not signed in: enter its token",
   "fr": "Ce terminal n'est pas connecté : entrez son jeton"
  },
  "booth.forbidden_host": {
   "en": "Refused: unexpected address",
   "fr": "Refusé : adresse inattendue"
  },
  "booth.not_found": {
   "en": "Not found",
   "fr": "Introuvable"
  },
  "booth.crossing_unknown": {
   "en": "This crossing is no longer known at this lane",
   "fr": "Ce passage n'est plus connu à cette voie"
  },
  "booth.method_not_allowed": {
   "en": "Not allowed",
   "fr": "Non permis"
  },
  "booth.crossing_closed": {
   "en": "This crossing is no longer open at the lane",
   "fr": "Ce passage n'est plus ouvert à la voie"
  },
  "booth.already_decided": {
   "en": "This crossing was already decided",
   "fr": "Ce passage a déjà été décidé"
  },
  "booth.unsupported_media_type": {
   "en": "The request must be JSON",
   "fr": "La requête doit être en JSON"
  },
  "booth.record_failed": {
   "en": "The decision could not be recorded: decide again or use paper",
   "fr": "La décision n'a pas pu être enregistrée : recommencez ou utilisez le papier"
  },
  "booth.error": {
   "en": "Internal error in the lane daemon",
   "fr": "Erreur interne du démon de la voie"
  },
  "booth.network": {
   "en": "The lane daemon did not answer",
   "fr": "Le démon de la voie n'a pas répondu"
  },
  "booth.bad_occupants": {
   "en": "Occupants: a whole number from 0 to 20",
   "fr": "Occupants : un nombre entier de 0 à 20"
  },
  "booth.occupants_unavailable": {
   "en": "Occupants cannot be declared now (lane not running); note it on paper",
   "fr": "Impossible de déclarer les occupants (voie arrêtée); notez-le sur papier"},
  "booth.not_approaching": {
   "en": "Only a vehicle still approaching can be moved to the booth",
   "fr": "Seul un véhicule encore en approche peut être placé à la guérite"
  },
  "booth.arrive_unavailable": {
   "en": "The vehicle cannot be moved to the booth now (lane not running)",
   "fr": "Impossible de placer le véhicule à la guérite (voie arrêtée)"
  }
 },
 "reasons": {
  "model_unavailable": {
   "en": "Risk model unavailable: refer and report the fault",
   "fr": "Modèle de risque indisponible : renvoyer et signaler la panne"
  },
  "risk_score_high": {
   "en": "Risk score above the referral threshold",
   "fr": "Score de risque supérieur au seuil de renvoi"
  },
  "card_unknown": {
   "en": "Card not found in the trusted-traveller roster",
   "fr": "Carte introuvable dans la liste des voyageurs dignes de confiance"
  },
  "card_suspended": {
   "en": "Membership suspended",
   "fr": "Adhésion suspendue"
  },
  "card_revoked": {
   "en": "Membership revoked",
   "fr": "Adhésion révoquée"
  },
  "card_expired": {
   "en": "Membership expired",
   "fr": "Adhésion expirée"
  },
  "card_wrong_programme": {
   "en": "Card programme not valid for this lane",
   "fr": "Programme de la carte non valide pour cette voie"
  },
  "occupant_without_card": {
   "en": "An occupant has no valid programme card",
   "fr": "Un occupant n'a pas de carte de programme valide"
  },
  "occupant_unidentified": {
   "en": "More occupants declared than identified",
   "fr": "Plus d'occupants déclarés que d'occupants identifiés"
  },
  "lookout_document": {
   "en": "Document number matches a lookout",
   "fr": "Le numéro du document correspond à un avis de surveillance"
  },
  "lookout_name": {
   "en": "Traveller name matches a lookout",
   "fr": "Le nom du voyageur correspond à un avis de surveillance"
  },
  "lookout_plate": {
   "en": "Licence plate matches a lookout",
   "fr": "La plaque d'immatriculation correspond à un avis de surveillance"
  },
  "plate_unread": {
   "en": "Licence plate not read reliably",
   "fr": "Plaque d'immatriculation non lue de façon fiable"
  },
  "plate_not_registered": {
   "en": "Plate not registered to a member in the vehicle",
   "fr": "Plaque non enregistrée au nom d'un membre présent dans le véhicule"
  },
  "document_invalid": {
   "en": "Travel document failed its checks",
   "fr": "Le document de voyage a échoué aux vérifications"
  },
  "document_expired": {
   "en": "Travel document expired",
   "fr": "Document de voyage expiré"
  },
  "identity_mismatch": {
   "en": "Document does not match the card holder",
   "fr": "Le document ne correspond pas au titulaire de la carte"
  },
  "manifest_missing": {
   "en": "No pre-arrival manifest for this truck",
   "fr": "Aucun manifeste préalable à l'arrivée pour ce camion"
  },
  "manifest_mismatch": {
   "en": "Manifest driver or plate differs from what was read",
   "fr": "Le conducteur ou la plaque du manifeste diffère de la lecture"
  },
  "manifest_outside_window": {
   "en": "Arrival outside the manifest's expected window",
   "fr": "Arrivée hors de la fenêtre prévue au manifeste"
  },
  "carrier_not_trusted": {
   "en": "Carrier is not an active trusted trader",
   "fr": "Le transporteur n'est pas un négociant fiable actif"
  },
  "importer_not_trusted": {
   "en": "Importer is not an active trusted trader",
   "fr": "L'importateur n'est pas un négociant fiable actif"
  },
  "eligible_nexus": {
   "en": "All occupants hold valid NEXUS cards; no concerns found",
   "fr": "Tous les occupants ont une carte NEXUS valide; aucune préoccupation"
  },
  "eligible_fast": {
   "en": "Driver, carrier, importer and manifest eligible for FAST",
   "fr": "Conducteur, transporteur, importateur et manifeste admissibles à EXPRES"
  },
  "no_concerns": {
   "en": "No rule or risk concern found",
   "fr": "Aucune préoccupation de règle ou de risque"
  },
  "score_low": {
   "en": "No risk indicator raised the score",
   "fr": "Aucun indicateur de risque n'a augmenté le score"
  },
  "score.t_no_card": {
   "en": "Risk score raised by: identified by document only",
   "fr": "Score de risque augmenté par : identifié par document seulement"
  },
  "score.t_card_unknown": {
   "en": "Risk score raised by: card not in the roster",
   "fr": "Score de risque augmenté par : carte absente de la liste"
  },
  "score.t_card_suspended": {
   "en": "Risk score raised by: membership suspended",
   "fr": "Score de risque augmenté par : adhésion suspendue"
  },
  "score.t_card_revoked": {
   "en": "Risk score raised by: membership revoked",
   "fr": "Score de risque augmenté par : adhésion révoquée"
  },
  "score.t_card_expired": {
   "en": "Risk score raised by: membership expired",
   "fr": "Score de risque augmenté par : adhésion expirée"
  },
  "score.t_card_wrong_programme": {
   "en": "Risk score raised by: card programme does not fit the lane",
   "fr": "Score de risque augmenté par : programme de la carte inadapté à la voie"
  },
  "score.t_doc_invalid": {
   "en": "Risk score raised by: document failed its checks",
   "fr": "Score de risque augmenté par : document non conforme aux vérifications"
  },
  "score.t_doc_expired": {
   "en": "Risk score raised by: document expired",
   "fr": "Score de risque augmenté par : document expiré"
  },
  "score.t_doc_errors": {
   "en": "Risk score raised by: document read with errors",
   "fr": "Score de risque augmenté par : document lu avec des erreurs"
  },
  "score.t_lookout_document": {
   "en": "Risk score raised by: document on a lookout",
   "fr": "Score de risque augmenté par : document visé par un avis"
  },
  "score.t_lookout_name": {
   "en": "Risk score raised by: name on a lookout",
   "fr": "Score de risque augmenté par : nom visé par un avis"
  },
  "score.t_identity_mismatch": {
   "en": "Risk score raised by: document differs from card holder",
   "fr": "Score de risque augmenté par : document différent du titulaire de la carte"
  },
  "score.c_unidentified": {
   "en": "Risk score raised by: occupants not identified",
   "fr": "Score de risque augmenté par : occupants non identifiés"
  },
  "score.c_plate_unread": {
   "en": "Risk score raised by: plate not read",
   "fr": "Score de risque augmenté par : plaque non lue"
  },
  "score.c_plate_not_registered": {
   "en": "Risk score raised by: plate not registered to an occupant",
   "fr": "Score de risque augmenté par : plaque non enregistrée au nom d'un occupant"
  },
  "score.c_lookout_plate": {
   "en": "Risk score raised by: plate on a lookout",
   "fr": "Score de risque augmenté par : plaque visée par un avis"
  },
  "score.c_recent_crossings": {
   "en": "Risk score raised by: frequent recent crossings",
   "fr": "Score de risque augmenté par : passages récents fréquents"
  },
  "score.c_manifest_missing": {
   "en": "Risk score raised by: no manifest",
   "fr": "Score de risque augmenté par : aucun manifeste"
  },
  "score.c_manifest_mismatch": {
   "en": "Risk score raised by: manifest differs from reads",
   "fr": "Score de risque augmenté par : manifeste différent des lectures"
  },
  "score.c_manifest_outside_window": {
   "en": "Risk score raised by: arrival outside manifest window",
   "fr": "Score de risque augmenté par : arrivée hors de la fenêtre du manifeste"
  },
  "score.c_carrier_not_trusted": {
   "en": "Risk score raised by: carrier not trusted",
   "fr": "Score de risque augmenté par : transporteur non fiable"
  },
  "score.c_importer_not_trusted": {
   "en": "Risk score raised by: importer not trusted",
   "fr": "Score de risque augmenté par : importateur non fiable"
  }
 },
 "documents": {
  "check_digit.document_number": {
   "en": "check digit of document number does not match",
   "fr": "le chiffre de contrôle du numéro de document ne correspond pas"
  },
  "check_digit.birth_date": {
   "en": "check digit of birth date does not match",
   "fr": "le chiffre de contrôle de la date de naissance ne correspond pas"
  },
  "check_digit.expiry_date": {
   "en": "check digit of expiry date does not match",
   "fr": "le chiffre de contrôle de la date d'expiration ne correspond pas"
  },
  "check_digit.personal_number": {
   "en": "check digit of personal number does not match",
   "fr": "le chiffre de contrôle du numéro personnel ne correspond pas"
  },
  "check_digit.composite": {
   "en": "check digit of composite does not match",
   "fr": "le chiffre de contrôle composite ne correspond pas"
  },
  "date.birth_date": {
   "en": "birth date is not a valid date",
   "fr": "la date de naissance n'est pas une date valide"
  },
  "date.expiry_date": {
   "en": "expiry date is not a valid date",
   "fr": "la date d'expiration n'est pas une date valide"
  },
  "sex.invalid": {
   "en": "sex is not M, F, X or <",
   "fr": "le sexe n'est pas M, F, X ou <"
  },
  "name.missing": {
   "en": "no primary identifier (surname)",
   "fr": "aucun identifiant principal (nom de famille)"
  },
  "mrz.shape": {
   "en": "line count and length match no ICAO 9303 format",
   "fr": "le nombre et la longueur des lignes ne correspondent à aucun format OACI 9303"
  },
  "mrz.alphabet": {
   "en": "character outside A-Z 0-9 <",
   "fr": "caractère hors de A-Z 0-9 <"
  },
  "ocr_repair.document_number": {
   "en": "OCR confusion in document number repaired (check digit confirms)",
   "fr": "confusion OCR corrigée (document number), confirmée par le chiffre de contrôle"
  },
  "ocr_repair.birth_date": {
   "en": "OCR confusion in birth date repaired (check digit confirms)",
   "fr": "confusion OCR corrigée (birth date), confirmée par le chiffre de contrôle"
  },
  "ocr_repair.expiry_date": {
   "en": "OCR confusion in expiry date repaired (check digit confirms)",
   "fr": "confusion OCR corrigée (expiry date), confirmée par le chiffre de contrôle"
  },
  "ocr_repair.personal_number": {
   "en": "OCR confusion in personal number repaired (check digit confirms)",
   "fr": "confusion OCR corrigée (personal number), confirmée par le chiffre de contrôle"
  },
  "ocr_repair.composite": {
   "en": "OCR confusion in composite repaired (check digit confirms)",
   "fr": "confusion OCR corrigée (composite), confirmée par le chiffre de contrôle"
  },
  "country.issuing_state": {
   "en": "issuing state is not a known country code",
   "fr": "l'État de délivrance n'est pas un code de pays connu"
  },
  "country.nationality": {
   "en": "nationality is not a known country code",
   "fr": "la nationalité n'est pas un code de pays connu"
  },
  "document.specimen": {
   "en": "ICAO specimen document (Utopia)",
   "fr": "document spécimen OACI (Utopie)"
  },
  "document.expired": {
   "en": "document expired",
   "fr": "document expiré"
  },
  "document_code.unexpected": {
   "en": "document code unusual for this format",
   "fr": "code de document inhabituel pour ce format"
  },
  "document_number.long.icao_rule": {
   "en": "long document number, check digit per ICAO",
   "fr": "numéro de document long, chiffre de contrôle selon l'OACI"
  },
  "document_number.long.filler_rule": {
   "en": "long document number, check digit only with the filler included (Belgian/Portuguese variant)",
   "fr": "numéro de document long, chiffre de contrôle valide seulement avec le caractère de remplissage (variante belge/portugaise)"
  },
  "name.truncated": {
   "en": "name fills its field and may be truncated",
   "fr": "le nom remplit son champ et peut être tronqué"
  },
  "name.characters": {
   "en": "digits in the name field",
   "fr": "chiffres dans le champ du nom"
  }
 }
}/*I18N-END*/;
