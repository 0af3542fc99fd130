"""French (Canada): 17 décembre 2021; 11 h 00; 17 décembre 2021 à 11 h 00. The spaces around "h" do not break, so
a time never wraps in the middle ("12 h" on one line, "30" on the next). The first of a month is "1er décembre 2021":
a format has no ordinal, so taskforce/dates.py adds it (the `date` filter of every template and `date_format`)."""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = DATE_FORMAT
TIME_FORMAT = "G\u00a0\\h\u00a0i"
DATETIME_FORMAT = "j F Y à G\u00a0\\h\u00a0i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1  # Monday
DATE_INPUT_FORMATS = ["%Y-%m-%d"]
