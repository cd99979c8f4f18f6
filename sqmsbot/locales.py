"""The languages sqmsbot speaks: one home for the list, below everything that needs it (the domain
checks a person's choice against it, the catalogs are keyed by it)."""

LOCALES = ("en", "zh_CN")
DEFAULT_LOCALE = "en"
