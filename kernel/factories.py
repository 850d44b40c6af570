"""factory_boy factories for the accounts, and the helpers every app's factories share.

The apps' factories (directory/, matchmaking/, events/, reports/ `factories.py`) build valid objects
(`full_clean()` passes) with realistic Swedish data for the tests, `manage.py seed_demo` and `make bench`.
Tests override what they check; the demo seed passes its fixed values through `seeding()`; the bench uses
`Factory.build()` and bulk_create."""

from __future__ import annotations

from typing import Any

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.db import models

from kernel.models import User


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a verified, primary e-mail address (pass `verified=False` for an unverified one,
    `totp="BASE32SECRET"` to set up two-factor authentication, coordinators: directory.factories.CoordinatorFactory).
    `password=None` gives an unusable password without hashing (bulk builds)."""

    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.se")
    full_name = factory.Faker("name", locale="sv_SE")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Every factory user has a verified primary address unless verified=False is passed."""
        if create:
            EmailAddress.objects.filter(user=obj).exclude(email__iexact=obj.email).update(primary=False)
            EmailAddress.objects.update_or_create(
                user=obj,
                email=obj.email,
                defaults={"verified": extracted is not False, "primary": True},
            )

    @factory.post_generation
    def totp(obj, create, extracted, **kwargs):
        if create and extracted:
            TOTP.activate(obj, extracted)


def seeding(factory_class: type[factory.django.DjangoModelFactory], *keys: str) -> Any:
    """`factory_class`, but each object it creates passes `full_clean()` before it is saved, and, given
    `keys`, an existing object with the same values of those fields is updated instead of a second one
    created: the seed of demo data can run again and resets what it seeds."""

    class Seeding(factory_class):  # type: ignore[misc, valid-type]
        class Meta:
            model = factory_class._meta.model

        @classmethod
        def _create(cls, model_class: type[models.Model], *args: Any, **kwargs: Any) -> models.Model:
            # Values that are not model fields (a factory's extras for its post-generation) ride along
            # on the object as `_name`, as the factory's own _create would keep them.
            names = {f.name for f in model_class._meta.get_fields()} | {
                f.attname for f in model_class._meta.concrete_fields
            }
            extras = {name: kwargs.pop(name) for name in list(kwargs) if name not in names}
            lookup = {key: kwargs[key] for key in keys}
            obj = model_class._default_manager.filter(**lookup).first() if lookup else None
            if obj is None:
                obj = model_class(*args, **kwargs)
            else:
                for name, value in kwargs.items():
                    setattr(obj, name, value)
            obj.full_clean(exclude=["password"] if model_class is User else None)
            obj.save()
            for name, value in extras.items():
                setattr(obj, f"_{name}", value)
            return obj

    Seeding.__name__ = f"Seeding{factory_class.__name__}"
    return Seeding
