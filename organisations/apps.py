from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = "Organisations and roles"

    def ready(self) -> None:
        # Security events (organisations.audit). axes connects its own receivers of the
        # same auth signals first (it is installed before this app), which the lockout
        # receiver relies on.
        from axes.signals import user_locked_out
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.models.signals import m2m_changed, post_init, post_save

        from organisations import audit

        User = get_user_model()  # noqa: N806
        user_logged_in.connect(audit.on_user_logged_in, dispatch_uid="audit-sign-in")
        user_login_failed.connect(audit.on_user_login_failed, dispatch_uid="audit-sign-in-failed")
        user_locked_out.connect(audit.on_user_locked_out, dispatch_uid="audit-locked-out")
        post_init.connect(audit.on_user_init, sender=User, dispatch_uid="audit-user-init")
        post_save.connect(audit.on_user_saved, sender=User, dispatch_uid="audit-user-saved")
        for through in (User.groups.through, User.user_permissions.through):
            m2m_changed.connect(
                audit.on_user_m2m_changed, sender=through, dispatch_uid=f"audit-{through.__name__}"
            )

        # Who belongs where decides what figures a user sees (ctportal.figures_cache); a
        # sign-in's audit row and a token's use move none.
        from ctportal import figures_cache

        figures_cache.watch(self, except_models=("SecurityEvent", "ApiToken"))
