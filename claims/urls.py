from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("articles/", views.article_list, name="article-list"),
    path("articles/new/", views.article_create, name="article-create"),
    path("articles/<int:pk>/", views.article_detail, name="article-detail"),
    path("articles/<int:pk>/segmentation/", views.article_segmentation,
         name="article-segmentation"),
    path("articles/<int:pk>/claims/", views.claim_add, name="claim-add"),
    path("claims/<int:pk>/spans/", views.claim_spans_set, name="claim-spans"),
    path("claims/<int:pk>/reject/", views.claim_reject, name="claim-reject"),
    path("claims/<int:pk>/restore/", views.claim_restore, name="claim-restore"),
    path("claims/<int:pk>/source/", views.claim_source, name="claim-source"),
]
