"""`!migrations_key`: the key `!upload_migrations` uploads the migrations under, computed
without uploading: the one way the key reaches the stack, so `sceptre diff` and `generate` see
the parameter value a launch sends.

    parameters:
      MigrationsKey: !migrations_key migrations     # the folder, relative to the project
"""

from sceptre.resolvers import Resolver

from tapstack_hooks.migrations_bundle import MigrationsUploadError, bundle_key, pack_migrations
from tapstack_hooks.project import project_path


class MigrationsKey(Resolver):
    """Resolve to `migrations/<sha256>.zip` of the folder's `*.sql` files."""

    def setup(self) -> None:
        """The argument is the migrations directory (optional, default `migrations`)."""
        argument = self.argument
        if argument is not None and not (isinstance(argument, str) and argument):
            self.raise_invalid_argument_error(
                "!migrations_key takes an optional directory relative to the Sceptre project "
                f"(default migrations). You gave {argument!r}."
            )
        self._directory = argument or "migrations"

    def resolve(self) -> str:
        """`migrations/<sha256>.zip` of the directory's `*.sql` files."""
        try:
            return bundle_key(pack_migrations(project_path(self.stack) / self._directory))
        except MigrationsUploadError as err:
            self.raise_invalid_argument_error(f"!migrations_key: {err}", err)
