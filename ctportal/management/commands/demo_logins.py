from django.conf import settings
from django.core.management.base import BaseCommand

from ctportal.demo import data
from ctportal.demo.otp import demo_otp_code, demo_otp_secret, demo_otp_usernames


class Command(BaseCommand):
    help = "Print the demo users, their roles and the demo password (and authenticator key)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--codes",
            action="store_true",
            help="Only print the demo authenticator's current code (for trying the demo).",
        )
        parser.add_argument(
            "--address",
            default="http://127.0.0.1:8000/",
            help="Where the portal is served (make run passes its HOST and PORT).",
        )

    def handle(self, *args, **options):
        second_factor = demo_otp_usernames()
        if options["codes"]:
            self.stdout.write(demo_otp_code())
            return
        self.stdout.write(f"\nDemo sign-ins (password for all: {data.DEMO_PASSWORD})")
        for username, _first, _last, org, role in data.USERS:
            extra = "  + code" if username in second_factor else ""
            self.stdout.write(f"  {username:<14} {role.replace('_', ' '):<20} {org}{extra}")
        if second_factor and not getattr(settings, "CTPORTAL_PRODUCTION", False):
            self.stdout.write(
                f"\n{', '.join(second_factor)} sign in with a code too (two-step sign-in). "
                "Their demo authenticator's key, to add to an app (time-based, 6 digits):\n"
                f"  {demo_otp_secret()}\n"
                "or print the current code with: .venv/bin/python manage.py demo_logins --codes\n"
                "This key is public: it exists only in demo data, never in production."
            )
        address = options["address"].rstrip("/") + "/"
        self.stdout.write(f"Portal: {address}   Admin: {address}admin/\n")
