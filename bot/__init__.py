"""Incident bot: numbered incidents in Slack with a live card, a timeline and public drafts."""

__version__ = "0.1.0"
