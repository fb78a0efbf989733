"""Aurora MySQL facts shared by the database template and the config model."""

import re

DEFAULT_ENGINE_VERSION = "8.0.mysql_aurora.3.08.2"
ENGINE_VERSION_PATTERN = r"^(8\.0\.mysql_aurora\.3|5\.7\.mysql_aurora\.2)\.\d{2}\.\d{1,2}$"
DEFAULT_INSTANCE_CLASS = "db.r5.large"
# db.r5.large and larger memory-optimised classes.
INSTANCE_CLASSES = [
    f"db.{family}.{size}"
    for family in ("r5", "r6g", "r6i", "r7g", "r7i")
    for size in ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
]
MYSQL_57_WARNING = (
    "Aurora MySQL 2 (MySQL 5.7) is past the end of standard support: RDS charges Extended "
    "Support for it and it receives no new features. Plan the move to Aurora MySQL 3 "
    "(8.0.mysql_aurora.3.x)."
)


def is_mysql_57(engine_version: str) -> bool:
    """True for an Aurora MySQL 2 (MySQL 5.7 compatible) engine version."""
    return re.match(r"^5\.7\.", engine_version) is not None
