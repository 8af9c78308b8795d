from django.core.management.base import BaseCommand

from ctportal.demo import data


class Command(BaseCommand):
    help = "Print the demo users, their roles and the demo password."

    def add_arguments(self, parser):
        parser.add_argument(
            "--address",
            default="http://127.0.0.1:8000/",
            help="Where the portal is served (make run passes its HOST and PORT).",
        )

    def handle(self, *args, **options):
        self.stdout.write(f"\nDemo sign-ins (password for all: {data.DEMO_PASSWORD})")
        for username, _first, _last, org, role in data.USERS:
            self.stdout.write(f"  {username:<14} {role.replace('_', ' '):<20} {org}")
        address = options["address"].rstrip("/") + "/"
        self.stdout.write(f"Portal: {address}   Admin: {address}admin/\n")
