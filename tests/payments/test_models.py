"""GOV.UK Pay's lifecycle: forward only, finished is final."""
from __future__ import annotations

import pytest

from oxtom.payments.models import Status, can_move

S = Status


@pytest.mark.parametrize("current,new,allowed", [
    (S.CREATED, S.STARTED, True),
    (S.CREATED, S.SUBMITTED, True),
    (S.CREATED, S.SUCCESS, True),
    (S.CREATED, S.FAILED, True),
    (S.STARTED, S.SUBMITTED, True),
    (S.STARTED, S.CANCELLED, True),
    (S.SUBMITTED, S.SUCCESS, True),
    (S.SUBMITTED, S.ERROR, True),
    (S.CREATED, S.CREATED, False),
    (S.STARTED, S.CREATED, False),
    (S.SUBMITTED, S.STARTED, False),
    (S.SUCCESS, S.FAILED, False),
    (S.SUCCESS, S.STARTED, False),
    (S.FAILED, S.SUCCESS, False),
    (S.CANCELLED, S.SUCCESS, False),
    (S.ERROR, S.SUCCESS, False),
])
def test_lifecycle(current, new, allowed):
    assert can_move(current, new) is allowed
