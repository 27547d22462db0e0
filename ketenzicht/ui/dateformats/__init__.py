"""Date formats per language (FORMAT_MODULE_PATH): English pages show dates as the Dutch ones do, day first
and a 24-hour clock (05-03-2026 20:09), not Django's US defaults (03/05/2026 8:09 p.m.)."""
