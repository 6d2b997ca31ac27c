"""Delivery channels: SMTP, the outbox folder and apprise URLs."""
