"""Every write to articles, sources and claims goes through these modules:

- articles: validation, ingest, queuing segmentation;
- segmentation: running the extractor and storing its claims;
- sources: speaker entities, their names, kinds and aliases;
- claims: creating claims and reviewers' edits to them;
- imports: bulk import of articles from JSONL and CSV, line by line;
- users: a user's roles on the desk;
- extractors: training the extractor on reviewed claims, choosing the model in use.

The public functions are re-exported here, so callers write `services.article_create`.
"""

from claims.services.articles import (
    ARTICLE_METADATA,
    REQUEUE_FROM,
    ArticleCreateResult,
    article_create,
    article_delete,
    article_field_limit,
    article_metadata_clean,
    article_restore,
    article_segmentation_queue,
    article_text_from_paste,
    article_text_from_upload,
    article_text_line_ends_normalise,
    article_text_validate,
    article_update,
    article_upload_size_limit,
    articles_requeue_stale,
    content_hash,
)
from claims.services.claims import (
    StaleClaim,
    claim_add,
    claim_create,
    claim_finalise,
    claim_reject,
    claim_reopen,
    claim_restore,
    claim_source_merge,
    claim_source_set,
    claim_spans_update,
)
from claims.services.extractors import (
    TrainingRefused,
    trained_extractor_activate,
    trained_extractor_deactivate,
    trained_extractor_fail,
    trained_extractor_queue,
    trained_extractor_run,
    trained_extractors_settle_stale,
)
from claims.services.imports import (
    ArticleImportResult,
    articles_import,
    articles_import_format,
)
from claims.services.segmentation import (
    claims_replace_machine,
    segmentation_fail,
    segmentation_fail_time_limit,
    segmentation_run,
    segmentation_start,
)
from claims.services.sources import (
    SourceNameTaken,
    source_alias_add,
    source_alias_check,
    source_alias_remove,
    source_by_name,
    source_create,
    source_merge,
    source_name_check,
    source_resolve,
    source_update,
)
from claims.services.users import user_deactivate, user_roles_set

__all__ = [
    "ARTICLE_METADATA",
    "REQUEUE_FROM",
    "ArticleCreateResult",
    "ArticleImportResult",
    "SourceNameTaken",
    "StaleClaim",
    "TrainingRefused",
    "article_create",
    "article_delete",
    "article_field_limit",
    "article_metadata_clean",
    "article_restore",
    "article_segmentation_queue",
    "article_text_from_paste",
    "article_text_from_upload",
    "article_text_line_ends_normalise",
    "article_text_validate",
    "article_update",
    "article_upload_size_limit",
    "articles_import",
    "articles_import_format",
    "articles_requeue_stale",
    "claim_add",
    "claim_create",
    "claim_finalise",
    "claim_reject",
    "claim_reopen",
    "claim_restore",
    "claim_source_merge",
    "claim_source_set",
    "claim_spans_update",
    "claims_replace_machine",
    "content_hash",
    "segmentation_fail",
    "segmentation_fail_time_limit",
    "segmentation_run",
    "segmentation_start",
    "source_alias_add",
    "source_alias_remove",
    "source_alias_check",
    "source_by_name",
    "source_create",
    "source_merge",
    "source_name_check",
    "source_resolve",
    "source_update",
    "trained_extractor_activate",
    "trained_extractor_deactivate",
    "trained_extractor_fail",
    "trained_extractor_queue",
    "trained_extractor_run",
    "trained_extractors_settle_stale",
    "user_deactivate",
    "user_roles_set",
]
