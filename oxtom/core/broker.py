"""The embedded default's file broker, with messages that appear whole.

kombu's filesystem transport creates a message's file and then writes it, while
a worker takes a file by moving it away and reading it. Under load a worker can
take the file in between: it reads nothing, the JSON decode fails in the
consumer loop and the worker dies, losing the message (seen on `make run`).
Here a message is written under a name no queue matches and renamed into place
(atomic within one directory), so a worker only ever sees a finished file.
"""
from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.transport import filesystem
from kombu.exceptions import ChannelError
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = "{}_{}.{}.msg".format(int(round(monotonic() * 1000)), uuid.uuid4(), queue)
        final = os.path.join(self.data_folder_out, name)
        partial = final + ".part"  # '<stamp>_<id>.<queue>.msg.part' is no queue's message
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
