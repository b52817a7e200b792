from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from claims.models import Article
from claims.selectors import claims_for_article


@login_required
def home(request):
    return render(request, "claims/home.html")


@login_required
def article_detail(request, pk: int):
    article = get_object_or_404(Article, pk=pk)
    return render(request, "claims/article_detail.html",
                  {"article": article, "claims": claims_for_article(article=article)})
