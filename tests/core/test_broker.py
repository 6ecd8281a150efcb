"""The embedded file broker: a worker never takes a message before it is whole."""
from __future__ import annotations

import os

import pytest
from kombu import Connection
from kombu.transport.virtual.base import Empty

from oxtom.core import broker


@pytest.fixture()
def channel(tmp_path):
    folder = str(tmp_path)
    options = {"data_folder_in": folder, "data_folder_out": folder, "processed_folder": folder,
               "store_processed": False, "control_folder": folder}
    with Connection("filesystem://", transport="oxtom.core.broker:Transport", transport_options=options) as conn:
        yield conn.default_channel


def test_a_message_being_written_is_not_taken(channel, monkeypatch):
    """kombu's own _put creates the file before writing it; a worker moving it in between read nothing and died."""
    seen_while_writing = []
    real_replace = os.replace

    def replace(src, dst):
        try:
            channel._get("jobs")
            seen_while_writing.append("taken")
        except Empty:
            seen_while_writing.append("not visible")
        real_replace(src, dst)

    monkeypatch.setattr(broker.os, "replace", replace)
    channel._put("jobs", {"task": "x"})
    assert seen_while_writing == ["not visible"]
    assert channel._get("jobs") == {"task": "x"}
    with pytest.raises(Empty):
        channel._get("jobs")

