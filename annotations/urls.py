from django.urls import path

from annotations import views

app_name = "annotations"

urlpatterns = [
    path("claims/<int:pk>/verdict/", views.verdict_submit, name="verdict-submit"),
    path("review/next/", views.review_next, name="review-next"),
]
