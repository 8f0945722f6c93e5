from django.urls import path

from . import views, views_auth, views_settings, views_snap

app_name = "dashboard"
urlpatterns = [
    path("", views.overview, name="home"),
    path("login/", views_auth.login_view, name="login"),
    path("logout/", views_auth.logout_view, name="logout"),
    path("invite/<str:token>/", views_auth.accept_invitation, name="accept"),
    path("transactions/", views.transactions, name="transactions"),
    path("transactions/export.csv", views.transactions_csv, name="transactions-csv"),
    path("transactions/export-job", views.transactions_export_job, name="transactions-export-job"),
    path("transactions/<str:txid>/", views.transaction_detail, name="transaction"),
    path("transactions/<str:txid>/cancel", views.transaction_cancel, name="transaction-cancel"),
    path("transactions/<str:txid>/sync", views.transaction_sync, name="transaction-sync"),
    path("transactions/<str:txid>/receipt", views.transaction_confirm_receipt, name="transaction-receipt"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/replay", views.notifications_replay, name="notifications-replay"),
    path("notifications/<int:notification_id>/resend", views.notification_resend, name="notification-resend"),
    path("jobs/<int:job_id>/", views.job_page, name="job"),
    path("jobs/<int:job_id>/status", views.job_status, name="job-status"),
    path("jobs/<int:job_id>/download", views.job_download, name="job-download"),
    path("developers/", views_settings.developers, name="developers"),
    path("developers/key/reveal", views_settings.key_reveal, name="key-reveal"),
    path("developers/key/rotate", views_settings.key_rotate, name="key-rotate"),
    path("developers/notification-url", views_settings.notification_url, name="notification-url"),
    path("developers/test-notification", views_settings.test_notification, name="test-notification"),
    path("developers/snap/", views_snap.snap_credentials, name="snap"),
    path("developers/snap/secret/reveal", views_snap.snap_secret_reveal, name="snap-secret-reveal"),
    path("developers/snap/secret/rotate", views_snap.snap_secret_rotate, name="snap-secret-rotate"),
    path("developers/snap/public-key", views_snap.snap_public_key, name="snap-public-key"),
    path("team/", views_settings.team, name="team"),
    path("team/invite", views_settings.team_invite, name="team-invite"),
    path("team/invitations/<int:invitation_id>/revoke", views_settings.team_revoke, name="team-revoke"),
    path("team/members/<int:member_id>/role", views_settings.team_role, name="team-role"),
    path("sandbox/", views_settings.sandbox, name="sandbox"),
    path("sandbox/payment", views_settings.sandbox_payment, name="sandbox-payment"),
]
