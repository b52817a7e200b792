import itertools

import factory
from django.contrib.auth import get_user_model

from claims.models import Article, Claim, Source
from claims.services import claim_create, content_hash

SAMPLE_TEXT = (
    "The port authority said on Monday that the harbour would reopen. "
    "A dock worker, who asked not to be named, said nothing had changed."
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")


class ArticleFactory(factory.django.DjangoModelFactory):
    """An article stored directly, without queuing segmentation (status done, no claims)."""

    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Fictional report {n}")
    outlet = "The Test Gazette"
    text = factory.Sequence(lambda n: f"Report {n}. {SAMPLE_TEXT}")
    content_hash = factory.LazyAttribute(lambda a: content_hash(a.text))
    segmentation_status = Article.Segmentation.DONE


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ("normalized_name",)

    name = factory.Sequence(lambda n: f"Speaker {n}")
    normalized_name = factory.LazyAttribute(lambda s: s.name.lower())


def make_claim(article: Article, *, cue: str = "said", content: str | None = None,
               source: str | None = None, occurrence: int = 0, **kwargs) -> Claim:
    """A claim whose spans are found in the article text: the cue's nth occurrence, then the
    content after it."""

    def find(fragment: str, after: int = 0, nth: int = 0) -> list[tuple[int, int]]:
        start = after - 1
        for _ in range(nth + 1):
            start = article.text.index(fragment, start + 1)
        return [(start, start + len(fragment))]

    cue_span = find(cue, nth=occurrence)
    if content is None:
        content_span = [(cue_span[0][1] + 1, len(article.text))]
    else:
        content_span = find(content, after=cue_span[0][1])
    return claim_create(
        article=article,
        cue_spans=cue_span,
        content_spans=content_span,
        source_spans=find(source) if source else [],
        **kwargs,
    )


_serial = itertools.count()


def article_with_claims(n_claims: int = 2, **kwargs) -> Article:
    """An article of n sentences "Speaker i said that the pier number i was closed.", each a
    claim with source, cue and content."""
    sentences = [f"Speaker {i} said that the pier number {i} was closed." for i in range(n_claims)]
    article = ArticleFactory(text=f"Dispatch {next(_serial)}. " + " ".join(sentences), **kwargs)
    for i in range(n_claims):
        make_claim(article, cue="said", content=f"the pier number {i} was closed",
                   source=f"Speaker {i} ", occurrence=i)
    return article


HISTORY_TEXT = "The mayor said the ferry runs daily. The guild said it does not."


def history_models() -> list:
    """Every append-only history model."""
    from django.apps import apps

    from annotations.models import VerdictRevision
    from claims.models import ChangeRecord

    concrete = [m for m in apps.get_models() if issubclass(m, ChangeRecord)]
    return [*concrete, VerdictRevision]


def history_in_every_table(*, reviewer, lead) -> Claim:
    """A row in every history table; returns the claim they are about (final, its article
    deleted)."""
    from annotations.assignment import assignments_set, lease_next
    from annotations.services import verdict_submit
    from annotations.webhooks import webhook_create, webhook_delete
    from claims.services import article_delete, source_resolve, source_update, user_roles_set

    article = ArticleFactory(text=HISTORY_TEXT)
    claim = make_claim(article, content="the ferry runs daily", created_by=reviewer)
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    source_update(source=source_resolve(name="The guild"), name="The Guild", kind="organisation",
                  actor=lead)
    user_roles_set(user=UserFactory(username="newcomer"), roles=["lead"], actor=lead)
    third = UserFactory(username="rev3")
    assert lease_next(reviewer=third) == claim
    verdict_submit(claim=claim, reviewer=third, label="confirmed")  # unanimous: final verdict
    assignments_set(article=article, reviewers=[reviewer], actor=lead)
    article_delete(article=article, actor=lead, reason="Duplicate of another report")
    hook = webhook_create(url="https://example.org/hook", events=["claim.finalised"], actor=lead)
    webhook_delete(webhook=hook, actor=lead)  # its history stays
    return claim


def article_with_claims_in_bulk(n_claims: int, *, reviewers=()) -> Article:
    """The article of article_with_claims(n_claims), its claims and spans stored with
    bulk_create (no services, no history) and a "confirmed" verdict of each reviewer on every
    claim: for read paths that need thousands of claims."""
    from annotations.models import Verdict
    from claims.models import Span

    sentences = [f"Speaker {i} said that the pier number {i} was closed." for i in range(n_claims)]
    article = ArticleFactory(text=f"Dispatch {next(_serial)}. " + " ".join(sentences))
    claims, spans, at = [], [], 0
    for i, sentence in enumerate(sentences):
        at = article.text.index(sentence, at)
        source, cue = (at, at + len(f"Speaker {i}")), (at + len(f"Speaker {i} "),
                                                       at + len(f"Speaker {i} said"))
        content = (cue[1] + len(" that "), at + len(sentence) - 1)
        claims.append(Claim(article=article, kind=Claim.Kind.INDIRECT, position=at))
        spans.append((source, cue, content))
    claims = Claim.objects.bulk_create(claims)
    Span.objects.bulk_create([
        Span(claim=claim, role=role, start=start, end=end)
        for claim, offsets in zip(claims, spans, strict=True)
        for role, (start, end) in zip(Span.Role.values, offsets, strict=True)])
    Verdict.objects.bulk_create([
        Verdict(claim=claim, reviewer=user, label=Verdict.Label.CONFIRMED)
        for claim in claims for user in reviewers])
    return article
