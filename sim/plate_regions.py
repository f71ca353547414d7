"""Jurisdictions (`edge.models.plate_reader.regions`) and slogans printed on North American
plates (decoration, not read)."""

from __future__ import annotations

from edge.models.plate_reader.regions import REGIONS

__all__ = ["REGIONS", "SLOGANS"]

SLOGANS: tuple[str, ...] = (
    "Yours to Discover",
    "Je me souviens",
    "Beautiful British Columbia",
    "Wild Rose Country",
    "Friendly Manitoba",
    "Land of Living Skies",
    "Canada's Ocean Playground",
    "Live Free or Die",
    "The Empire State",
    "Garden State",
    "Sunshine State",
    "Land of Lincoln",
    "The Great Lakes State",
    "America's Dairyland",
    "The Lone Star State",
    "Famous Potatoes",
    "Land of Enchantment",
    "Great Faces Great Places",
    "First in Flight",
    "The Natural State",
    "Peace Garden State",
    "Wild Wonderful",
    "Greatest Snow on Earth",
    "Aloha State",
    "Treasure State",
    "Big Sky Country",
    "The Silver State",
    "Heart of Dixie",
    "Grand Canyon State",
    "Centennial State",
    "Constitution State",
    "The First State",
    "Ocean State",
    "Green Mountains",
    "Evergreen State",
    "Spirit of America",
    "DEALER",
    "AUTO SALES",
    "COUNTY",
    "Taxation Without Representation",
    "The Last Frontier",
)
