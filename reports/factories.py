"""Factories of reports: support records and report runs (queued, running, succeeded with files, failed)."""

from __future__ import annotations

import datetime as dt

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from directory.factories import ForbundFactory, OrganisationFactory
from matchmaking.factories import FundedProjectFactory
from reports.models import ReportFile, ReportKind, ReportRun, RunStatus, SupportKind, SupportRecord


class SupportRecordFactory(factory.django.DjangoModelFactory):
    """Direct advice from the project to an organisation."""

    class Meta:
        model = SupportRecord

    project = factory.SubFactory(FundedProjectFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    date = dt.date(2024, 5, 2)
    kind = SupportKind.ADVICE
    direct = True
    note = "Rådgivning inför anbud på reserverat kontrakt"


class ReportRunFactory(factory.django.DjangoModelFactory):
    """A queued ESF+ run over the first quarter of 2025. Traits: `running`, `succeeded` (progress 100, an empty
    result), `failed`; `files=("csv", …)` stores a small file of each format on create."""

    class Meta:
        model = ReportRun
        skip_postgeneration_save = True

    class Params:
        running = factory.Trait(
            status=RunStatus.RUNNING, attempts=1, started_at=factory.LazyFunction(timezone.now), progress=10
        )
        succeeded = factory.Trait(
            status=RunStatus.SUCCEEDED,
            attempts=1,
            progress=100,
            started_at=factory.LazyFunction(timezone.now),
            finished_at=factory.LazyFunction(timezone.now),
            result=factory.LazyFunction(lambda: {"indicators": {}, "warnings": []}),
        )
        failed = factory.Trait(
            status=RunStatus.FAILED,
            attempts=1,
            started_at=factory.LazyFunction(timezone.now),
            finished_at=factory.LazyFunction(timezone.now),
            error="The report could not be computed.",
        )

    kind = ReportKind.ESF
    project = factory.SubFactory(FundedProjectFactory)
    forbund = factory.LazyAttribute(lambda run: run.project.forbund if run.project else ForbundFactory())
    period_from = dt.date(2025, 1, 1)
    period_to = dt.date(2025, 3, 31)
    status = RunStatus.QUEUED

    @factory.post_generation
    def files(obj, create, extracted, **kwargs):
        for fmt in (extracted or ()) if create else ():
            ReportFileFactory(run=obj, format=fmt)


class ReportFileFactory(factory.django.DjangoModelFactory):
    """A small CSV (by default) of a finished run, saved in the media storage under the run's code."""

    class Meta:
        model = ReportFile

    run = factory.SubFactory(ReportRunFactory, succeeded=True)
    format = "csv"
    content = b"code,total\n"
    size = factory.LazyAttribute(lambda o: len(o.content))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        content = kwargs.pop("content")
        report_file = model_class(*args, **kwargs)
        report_file.file.save(f"{report_file.run.code}.{report_file.format}", ContentFile(content), save=False)
        report_file.save()
        return report_file

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        kwargs.pop("content", None)
        return super()._build(model_class, *args, **kwargs)
