from django.apps import AppConfig


class EventsConfig(AppConfig):
    """The event store (spec 3.2): an append-only record of every change."""

    name = "apps.events"
    label = "events"
    verbose_name = "Event store"
