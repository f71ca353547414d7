"""Static files of the booth page (a package only so that the wheel ships them)."""
