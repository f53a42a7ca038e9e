"""Shared infrastructure: configuration, storage, messages, e-mail, web plumbing."""
