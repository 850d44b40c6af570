"""Förbund: one installation serves any number of samordningsförbund over one national directory (the table;
0018 turns an existing installation into its first förbund)."""

import django.core.validators
from django.conf import settings
from django.db import migrations, models

import kernel.identifiers


class Migration(migrations.Migration):
    dependencies = [
        ("asfnet", "0007_erasure_journal"),
        ("directory", "0016_facet_generation"),
    ]

    operations = [
        migrations.CreateModel(
            name="Forbund",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                ("slug", models.SlugField(max_length=60, unique=True, verbose_name="identifier")),
                (
                    "name",
                    models.CharField(
                        max_length=200, validators=[kernel.identifiers.refuse_personnummer], verbose_name="name"
                    ),
                ),
                (
                    "short_name",
                    models.CharField(
                        help_text="Shown in the page header.",
                        max_length=60,
                        validators=[kernel.identifiers.refuse_personnummer],
                        verbose_name="short name",
                    ),
                ),
                (
                    "orgnr",
                    models.CharField(
                        max_length=11, validators=[kernel.identifiers.validate_orgnr], verbose_name="organisation number"
                    ),
                ),
                (
                    "host",
                    models.CharField(
                        blank=True,
                        help_text="The address this förbund's portal answers on. Not needed while the installation has one förbund.",
                        max_length=253,
                        null=True,
                        unique=True,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$",
                                "Enter a host name such as sodranorrbotten.asfnet.se: lower-case letters, digits, dots and hyphens.",
                            ),
                            kernel.identifiers.refuse_personnummer,
                        ],
                        verbose_name="host name",
                    ),
                ),
                (
                    "intro_sv",
                    models.TextField(
                        blank=True,
                        validators=[kernel.identifiers.refuse_personnummer],
                        verbose_name="introduction (Swedish)",
                    ),
                ),
                (
                    "intro_en",
                    models.TextField(
                        blank=True,
                        validators=[kernel.identifiers.refuse_personnummer],
                        verbose_name="introduction (English)",
                    ),
                ),
                ("contact_email", models.EmailField(blank=True, max_length=254, verbose_name="contact e-mail")),
                (
                    "contact_phone",
                    models.CharField(
                        blank=True,
                        max_length=30,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^\\+?[0-9 ()-]{5,30}$", "Enter a telephone number: digits, spaces, + ( ) -."
                            ),
                            kernel.identifiers.refuse_personnummer,
                        ],
                        verbose_name="contact telephone",
                    ),
                ),
                (
                    "dpo_email",
                    models.EmailField(blank=True, max_length=254, verbose_name="data protection officer's e-mail"),
                ),
                (
                    "accessibility_email",
                    models.EmailField(
                        blank=True,
                        help_text="Where visitors report what they cannot use.",
                        max_length=254,
                        verbose_name="e-mail for accessibility feedback",
                    ),
                ),
                (
                    "accessibility_assessed_on",
                    models.DateField(
                        blank=True,
                        help_text="The date of the latest review.",
                        null=True,
                        verbose_name="accessibility last assessed",
                    ),
                ),
                (
                    "show_national_events",
                    models.BooleanField(
                        default=True,
                        help_text="Events that belong to no förbund (national webinars, conferences) appear in this calendar too.",
                        verbose_name="show national events in the calendar",
                    ),
                ),
                (
                    "coordinators",
                    models.ManyToManyField(
                        blank=True,
                        related_name="coordinated_forbund",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="coordinators",
                    ),
                ),
                (
                    "municipalities",
                    models.ManyToManyField(
                        blank=True, related_name="forbund", to="directory.municipality", verbose_name="municipalities"
                    ),
                ),
            ],
            options={"verbose_name": "förbund", "verbose_name_plural": "förbund", "ordering": ["name"]},
            bases=(models.Model,),
        ),
    ]
