from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("articles/<int:pk>/", views.article_detail, name="article-detail"),
]
