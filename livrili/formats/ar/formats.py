"""Arabic formats for the back office, as Algerian documents write them: day month year and a
24-hour clock everywhere (Django's Arabic set leaves the date-time to the English default), and
amounts grouped by thousands with a space, decimals after a comma (500 000,00)."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 0  # Sunday: the working week runs Sunday to Thursday
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\u00a0"
NUMBER_GROUPING = 3
