"""Database extensions: pgvector always; pg_trgm and pg_stat_statements only where the server
ships them (the embedded PostgreSQL does not, and nothing may require them)."""

from django.db import migrations
from pgvector.django import VectorExtension

OPTIONAL = ("pg_trgm", "pg_stat_statements")


def create_optional(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_available_extensions WHERE name = ANY(%s)", [list(OPTIONAL)])
        for (name,) in cursor.fetchall():
            cursor.execute(f'CREATE EXTENSION IF NOT EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        VectorExtension(),
        migrations.RunPython(create_optional, migrations.RunPython.noop),
    ]
