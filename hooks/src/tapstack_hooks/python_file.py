"""`type: python_file`: Sceptre's `file` template handler, safe when stacks render one template
at once.

Sceptre's own handler loads a Python template with `SourceFileLoader(path, path).load_module()`,
which keeps the module in `sys.modules` under its path and re-executes it there on every
render. When several stacks share one template (every environment's `network.py`) and Sceptre
renders them in parallel threads (`sceptre launch` or `sceptre diff` over more than one group),
one thread can replace the module another is executing, and the second fails at random with
`ImportError: module '…/network.py' not in sys.modules` (Sceptre issue #933). This handler
executes each render in a fresh module registered under a name of its own (libraries such as
pydantic look a class's module up in `sys.modules`) and removes it afterwards, so no thread can
see another's; everything that is not a `.py` template goes to Sceptre's `file` handler
unchanged.

    template:
      type: python_file
      path: network.py
"""

import importlib.util
import itertools
import sys
import threading
from pathlib import Path

from sceptre.exceptions import TemplateNotFoundError, TemplateSceptreHandlerError
from sceptre.template_handlers import helper
from sceptre.template_handlers.file import File

# Templates import their sibling modules (tapstack_blocks) by name, as Sceptre's handler allows;
# the directories go on sys.path once, under a lock, and stay there (taking them off while
# another thread imports would be a race of its own).
_PATH_LOCK = threading.Lock()
_RENDERS = itertools.count(1)  # next() on a count is atomic: one module name per render


def render_python_template(path: Path, search_paths: list[Path], sceptre_user_data) -> str:
    """Execute the template at `path` in a fresh module and return its `sceptre_handler`'s
    output; `search_paths` are the directories its imports may come from."""
    if not path.is_file():
        raise TemplateNotFoundError(f"No such template file: '{path}'")
    with _PATH_LOCK:
        for directory in map(str, search_paths):
            if directory not in sys.path:
                sys.path.append(directory)
    name = f"sceptre_template_{next(_RENDERS)}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TemplateNotFoundError(f"cannot load '{path}' as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        handler = getattr(module, "sceptre_handler", None)
        if handler is None:
            raise TemplateSceptreHandlerError(
                f"The template {path} does not have the required "
                "'sceptre_handler(sceptre_user_data)' function."
            )
        return handler(sceptre_user_data)
    finally:
        sys.modules.pop(name, None)


class PythonFile(File):
    """Like `type: file`, with Python templates rendered thread-safely."""

    def handle(self) -> str:
        """The template body: Python templates here, every other kind by Sceptre's handler."""
        relative = Path(self.arguments["path"])
        if relative.suffix not in self.python_template_extensions:
            return super().handle()
        path = Path(self._resolve_template_path(str(relative)))
        templates = Path(self.stack_group_config["project_path"]) / "templates"
        search_paths = [
            templates,
            *[parent for parent in path.parents if templates in parent.parents],
        ]
        try:
            return render_python_template(path, search_paths, self.sceptre_user_data)
        except Exception:
            helper.print_template_traceback(str(path))
            raise
