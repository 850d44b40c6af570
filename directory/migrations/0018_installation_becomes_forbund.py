"""An existing installation becomes one förbund with all its data, without manual steps: the installation this
code was first written for (Samordningsförbundet Södra Norrbotten, whose name, organisation number and member
municipalities were in the templates and in `Municipality.in_forbund`) becomes that förbund, and every user
who was a coordinator becomes its coordinator (kernel's migration 0008 then drops the old flag). A new, empty
database gets no förbund: the platform operator creates the first in the admin site."""

from django.db import migrations


def installation_becomes_forbund(apps, schema_editor):
    User = apps.get_model("asfnet", "User")
    Organisation = apps.get_model("directory", "Organisation")
    Municipality = apps.get_model("directory", "Municipality")
    Forbund = apps.get_model("directory", "Forbund")
    if not (User.objects.exists() or Organisation.objects.exists()):
        return
    forbund = Forbund.objects.create(
        slug="sodra-norrbotten",
        name="Samordningsförbundet Södra Norrbotten",
        short_name="Södra Norrbotten",
        orgnr="222000-2204",
        intro_sv=(
            "asfnet samlar arbetsintegrerande sociala företag (ASF), kommuner, myndigheter, företag och "
            "utbildningsanordnare i södra Norrbotten."
        ),
        intro_en=(
            "asfnet brings together work-integration social enterprises (ASF), municipalities, agencies, "
            "businesses and education providers in southern Norrbotten."
        ),
    )
    forbund.municipalities.set(Municipality.objects.filter(in_forbund=True))
    forbund.coordinators.set(User.objects.filter(is_coordinator=True))


class Migration(migrations.Migration):
    dependencies = [
        ("asfnet", "0007_erasure_journal"),
        ("directory", "0017_forbund"),
    ]

    operations = [
        migrations.RunPython(installation_becomes_forbund, migrations.RunPython.noop),
        migrations.RemoveField(model_name="municipality", name="in_forbund"),
    ]
