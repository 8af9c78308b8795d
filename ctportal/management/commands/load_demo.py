from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from ctportal.demo.loader import DemoLoader
from ctportal.demo.otp import demo_otp_devices
from ctportal.demo.reports import demo_reports_generate
from ctportal.demo.safety import demo_passwords_withdraw
from reports.services.alerting import alerts_date_driven_create


class Command(BaseCommand):
    help = (
        "Load the demo dataset (real published figures, invented ones marked). Idempotent. "
        "Refuses production settings unless given --allow-production."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help=(
                "Load the demo into a production database anyway. No demo account keeps "
                "the demo password there: admin gets a random one, printed once; the "
                "others none."
            ),
        )
        parser.add_argument(
            "--no-reports",
            action="store_false",
            dest="reports",
            help=(
                "Do not generate last month's and last quarter's reports (ctportal.demo.reports) "
                "nor today's date-driven alerts."
            ),
        )

    def handle(self, *args, **options):
        production = getattr(settings, "CTPORTAL_PRODUCTION", False)
        if production and not options["allow_production"]:
            raise CommandError(
                "These are production settings: the demo's users and invented figures do not "
                "belong in a real database. Run it with --allow-production if you mean it."
            )
        with transaction.atomic():
            created = DemoLoader().run()
            if production:
                admin_password = demo_passwords_withdraw()
            else:
                admin_password = None
                for username in demo_otp_devices():
                    self.stdout.write(f"  demo authenticator for {username}")
        if admin_password:
            self.stdout.write(
                self.style.WARNING(
                    f"Production: the admin account's password is {admin_password} "
                    "(shown once; change it after signing in). The other demo accounts have "
                    "no usable password."
                )
            )
        # After the demo's data is committed, each report in a transaction of its own.
        reports = demo_reports_generate(today=timezone.localdate()) if options["reports"] else 0
        if reports:
            created[("report", "reports")] = reports
        # What the daily task would tell today (the overdue tranche, to managers and its
        # donor), so the notification centre of a fresh install is not empty; by their keys,
        # a second run tells nobody twice. No digest is sent.
        told = alerts_date_driven_create(today=timezone.localdate()) if options["reports"] else {}
        if sum(told.values()):
            created[("notification", "notifications")] = sum(told.values())
        if not created:
            self.stdout.write("Demo data already loaded: nothing changed.")
            return
        for (singular, plural), count in created.items():
            self.stdout.write(f"  {count:>4} {ngettext(singular, plural, count)}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
