"""Protective measures (restraining order, behaviour order 509hh Sv, court measure 38v Sr, conditions, Aware
alarm) and their breaches, detected in intake through linking."""
