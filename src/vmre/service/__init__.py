"""Citizen service (INETEL contacts) and outreach figures (social media, media, press)."""
