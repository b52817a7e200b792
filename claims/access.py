"""Who may do what to articles, sources and claims as data.

The reviewing side's access module, annotations.access, builds on these and is what views, the
admin and the API ask; claims' own views (submitting an article, re-queuing its segmentation)
ask here, since claims never imports annotations. Today every signed-in, active user may do
everything; roles (reviewer, lead) change these functions and nothing else.
"""


def is_desk_member(user) -> bool:
    """Signed in with an active account: may read the desk and review."""
    return bool(user and user.is_authenticated and user.is_active)


def can_submit_articles(user) -> bool:
    return is_desk_member(user)


def can_requeue_segmentation(user) -> bool:
    return is_desk_member(user)


def can_edit_claims(user) -> bool:
    """Fix the extractor's output: spans, reject/restore, add a missed claim, point one claim
    at another source entity."""
    return is_desk_member(user)


def can_manage_sources(user) -> bool:
    """Change a source entity for the whole desk: merge two, rename one, set its kind."""
    return is_desk_member(user)
