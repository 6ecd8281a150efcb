"""Make the thumbnail and display copies of report photos stored before web sizes existed.

Pages make a missing copy on first use too; this does them all at once (after an
upgrade, or before a busy day) so no visitor waits. Safe to run again: photos that
have both copies are skipped.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand

from oxtom.core.uploads import ImageRejected
from portal.models import ReportPhoto
from portal.services import report_photo_sizes_ensure


class Command(BaseCommand):
    help = "Make missing thumbnail and display copies of report photos"

    def handle(self, *args, **options):
        made = failed = 0
        missing = ReportPhoto.objects.filter(thumbnail="") | ReportPhoto.objects.filter(display="")
        for photo in missing.order_by("pk").iterator(chunk_size=200):
            try:
                report_photo_sizes_ensure(photo=photo)
                made += 1
            except (OSError, ImageRejected) as exc:
                failed += 1
                self.stderr.write(f"Photo {photo.pk} of report {photo.report_id}: {exc}")
        self.stdout.write(f"Made web sizes for {made} photo{'s' if made != 1 else ''}"
                          + (f"; {failed} could not be read" if failed else ""))
