"""Alerts become incidents: deduplicated and grouped as they arrive, triaged by people in Slack
(bot.triage: AlertTriage, Declare incident, Add to incident, Dismiss, the rules that declare).

receive.py   AlertService.receive: one notification (bot.intake read it), one transaction:
             its group found or made, each alert's change applied, the Slack work recorded
message.py   a group's triage message as outbox work, queued once per change
attached.py  what an attached group's changes say on its incident's timeline
"""
