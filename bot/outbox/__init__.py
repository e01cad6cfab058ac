"""The outbox: Slack work recorded with each change, sent after the ack."""
