"""Dutch: Django's formats, but short dates with two-digit days and months ("06-12-2026", not "6-12-2026"),
as the pages write them everywhere else (`ui.formats.DATE_FORMAT`), so one list never mixes the two."""

SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
