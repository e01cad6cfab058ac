"""Alerts become incidents: deduplicated and grouped as they arrive, triaged by people in Slack.

receive.py   AlertService.receive: one notification (bot.intake read it), one transaction:
             its group found or made, each alert's change applied, the Slack work recorded
"""
