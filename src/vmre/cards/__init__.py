"""Voter cards issued abroad (CPVE): requests, production, shipping, activation, reminders."""
