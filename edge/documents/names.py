"""Primary and secondary identifiers from the name field.

`<<` separates the primary identifier (surname) from the secondary one (given names); `<`
separates name parts. A field filled to its last character may be truncated (ICAO 9303 part 3
4.6): that is reported, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Name:
    surname: str
    given_names: str
    truncated: bool
    has_digits: bool


def _words(part: str) -> str:
    return " ".join(word for word in part.split("<") if word)


def parse_name(field: str) -> Name:
    primary, _, secondary = field.partition("<<")
    return Name(
        surname=_words(primary),
        given_names=_words(secondary),
        truncated=bool(field) and field[-1] != "<",
        has_digits=any(char.isdigit() for char in field),
    )


def encode_name(surname: str, given_names: str, length: int) -> str:
    """The name field for a surname and given names (spaces become `<`), cut to `length`."""
    primary = "<".join(surname.split())
    secondary = "<".join(given_names.split())
    text = f"{primary}<<{secondary}" if secondary else primary
    return text[:length].ljust(length, "<")
