"""Channels only the real-worker tests install (through worker_settings.NOTIFY_CHANNEL_CLASSES)."""
from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings

from oxtom.notify.channels import ChannelError, Delivery, FileSmsChannel


class SlowFileSmsChannel(FileSmsChannel):
    """The file sink, slowed down on both sides of the write, so a test can kill the
    worker after the message is delivered but before it is recorded as sent."""

    def send(self, message) -> Delivery:
        delay = float(os.environ.get("NOTIFY_TEST_SEND_DELAY", "1"))
        time.sleep(delay)
        delivery = super().send(message)
        time.sleep(delay)
        return delivery


class AlwaysFailingChannel:
    """Every send fails as a provider outage would; each call is counted in a file."""

    def send(self, message) -> Delivery:
        with open(Path(settings.VAR_DIR) / "failing-calls.txt", "a") as calls:
            calls.write(f"{message.id}\n")
        raise ChannelError("AlwaysFailingChannel: provider unavailable (test)")


class RecordingProviderChannel:
    """A provider with no de-duplication at all (SMTP-like): every call it accepts is
    one message in someone's inbox. Each accepted call is appended to a file, then
    the "response" takes NOTIFY_TEST_SEND_DELAY seconds to come back, which is the
    window in which a killed worker leaves a delivered message unrecorded."""

    def send(self, message) -> Delivery:
        delay = float(os.environ.get("NOTIFY_TEST_SEND_DELAY", "1"))
        time.sleep(delay / 2)
        with open(Path(settings.VAR_DIR) / "provider-calls.txt", "a") as calls:
            calls.write(f"{message.id} {message.claimed_by}\n")
            calls.flush()
            os.fsync(calls.fileno())
        time.sleep(delay)
        return Delivery(provider_reference=str(message.id))
