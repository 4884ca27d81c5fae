from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_upload"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="attachments",
            field=models.JSONField(blank=True, default=list, verbose_name="attachments"),
        ),
    ]
