"""The services of the hub, one module per area. Importing a module registers its services
(see :func:`apps.services.registry.load_catalog`). Every method does real work through the
platform's own services and selectors."""
