"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from asfnet.identifiers import luhn_ok
from asfnet.models import User
from directory.models import Membership, MembershipRole, Organisation, OrganisationKind


def make_orgnr(n: int, prefix: str = "556") -> str:
    """A valid 10-digit organisationsnummer: prefix (third digit ≥ 2) + running number + Luhn check digit."""
    body = f"{prefix}{n:06d}"
    for check in range(10):
        if luhn_ok(body + str(check)):
            return body + str(check)
    raise AssertionError("unreachable")


class UserFactory(factory.django.DjangoModelFactory):
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
            EmailAddress.objects.update_or_create(
                user=obj,
                email=obj.email,
                defaults={"verified": extracted is not False, "primary": True},
            )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.ASF
    orgnr = factory.Sequence(lambda n: make_orgnr(n + 1000))
    kommunkod = "2580"
    published = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.MEMBER
