from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("articles/new/", views.article_create, name="article-create"),
    path("articles/<int:pk>/segmentation/", views.article_segmentation,
         name="article-segmentation"),
]
