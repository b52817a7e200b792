from django.urls import path

from annotations import export_views, lead_views, views, webhook_views

app_name = "annotations"

urlpatterns = [
    path("articles/", views.article_list, name="article-list"),
    path("articles/<int:pk>/", views.article_detail, name="article-detail"),
    path("articles/<int:pk>/claims/", views.claim_add, name="claim-add"),
    path("claims/<int:pk>/spans/", views.claim_spans_set, name="claim-spans"),
    path("claims/<int:pk>/reject/", views.claim_reject, name="claim-reject"),
    path("claims/<int:pk>/restore/", views.claim_restore, name="claim-restore"),
    path("claims/<int:pk>/source/", views.claim_source, name="claim-source"),
    path("claims/<int:pk>/verdict/", views.verdict_submit, name="verdict-submit"),
    path("api/export/claims.jsonl", export_views.claims_jsonl, name="export-jsonl"),
    path("api/export/claims.csv", export_views.claims_csv, name="export-csv"),
    path("api/export/claims.claimreview.json", export_views.claims_claimreview,
         name="export-claimreview"),
    path("review/next/", views.review_next, name="review-next"),
    path("sources/<int:pk>/", views.source_edit, name="source-edit"),
    path("lead/", lead_views.dashboard, name="lead-dashboard"),
    path("lead/agreement/", lead_views.agreement, name="lead-agreement"),
    path("lead/agreement.csv", lead_views.agreement_csv, name="lead-agreement-csv"),
    path("lead/articles/<int:pk>/assign/", lead_views.article_assign, name="article-assign"),
    path("lead/disagreements/", lead_views.disagreements, name="lead-disagreements"),
    path("lead/claims/<int:pk>/adjudicate/", lead_views.adjudicate, name="lead-adjudicate"),
    path("lead/claims/<int:pk>/reopen/", lead_views.reopen, name="lead-reopen"),
    path("lead/extractor/", lead_views.extractor, name="lead-extractor"),
    path("lead/webhooks/", webhook_views.webhook_list, name="lead-webhooks"),
    path("lead/webhooks/<int:pk>/", webhook_views.webhook_detail, name="lead-webhook"),
    path("lead/webhook-deliveries/<uuid:uuid>/resend/", webhook_views.webhook_delivery_resend,
         name="lead-webhook-delivery-resend"),
]
