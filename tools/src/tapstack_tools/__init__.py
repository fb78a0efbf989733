"""tapstack's developer tools: the commands the Makefile runs (demo, lint, local AWS, generated
documents), the helpers the test suites share, and their pytest plugin (`pytest_plugin`)."""
