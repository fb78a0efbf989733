"""A bucket's default Object Lock retention given in days only (or years only) works.

moto adds `timedelta(days)` and `timedelta(years * 365)` for each new version under a default
retention, so a configuration with only Days (S3's usual shape: Years absent, None) fails every
PutObject with a 500; a 0 in its place makes GetObjectLockConfiguration report `Years: 0`,
which S3 never does. Here an absent part counts as zero when the retention is computed.
"""

import datetime

from moto.core.utils import utcnow
from moto.s3.models import FakeBucket


def default_retention(self: FakeBucket) -> str:
    """The retain-until date of a version written now under the bucket's default retention."""
    days = (self.default_lock_days or 0) + 365 * (self.default_lock_years or 0)
    return (utcnow() + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def apply() -> None:
    """Replace moto's default-retention computation."""
    FakeBucket.default_retention = default_retention
