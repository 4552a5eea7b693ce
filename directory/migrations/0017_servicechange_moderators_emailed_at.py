from django.db import migrations, models
from django.db.models import F


def emailed_when_sent(apps, schema_editor):
    """Every change sent before this was emailed to the moderators when it was sent: the first
    digest must not tell them of those again. Held imports were never emailed, and never are."""
    ServiceChange = apps.get_model("directory", "ServiceChange")
    ServiceChange.objects.filter(held_because="").update(moderators_emailed_at=F("submitted_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0016_servicechange_live_when_decided'),
    ]

    operations = [
        migrations.AddField(
            model_name='servicechange',
            name='moderators_emailed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='moderators emailed at'),
        ),
        migrations.RunPython(emailed_when_sent, migrations.RunPython.noop),
    ]
