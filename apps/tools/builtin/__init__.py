"""The built-in tools, one module each. Importing a module registers its tool (see
:func:`apps.tools.registry.load_tools`)."""
