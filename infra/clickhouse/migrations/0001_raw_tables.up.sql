-- Raw event tables: one per event type, one column per Avro field (see services/warehouse/ddl.py).
-- ReplacingMergeTree on the sort key ending in event_id: a replayed event collapses into one row on merge;
-- exact counts use FINAL or uniqExact(event_id). {raw_ttl_days} and {dead_letter_ttl_days} are filled from
-- FLYWHEEL_RAW_TTL_DAYS and FLYWHEEL_DEAD_LETTER_TTL_DAYS when the migration is applied.
-- The CHECK constraints are the envelope rules of schemas/models.py (Event); an insert that breaks one fails
-- and the sink isolates and dead-letters the offending events.

CREATE TABLE IF NOT EXISTS interaction_requests
(
    `event_id` UUID,
    `event_time` DateTime64(3, 'UTC'),
    `tenant_id` LowCardinality(String),
    `app_id` LowCardinality(String),
    `request_id` Nullable(String),
    `session_id` Nullable(String),
    `user_id` Nullable(String),
    `feature` LowCardinality(Nullable(String)),
    `model` LowCardinality(Nullable(String)),
    `prompt_version` LowCardinality(Nullable(String)),
    `cohort` LowCardinality(Nullable(String)),
    `query` String CODEC(ZSTD(3)),
    `template_id` Nullable(String),
    `params` Map(String, String),
    `locale` Nullable(String),
    `_ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3),
    CONSTRAINT tenant_id_not_blank CHECK match(tenant_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT app_id_not_blank CHECK match(app_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT event_time_in_range CHECK event_time >= toDateTime64('2000-01-01 00:00:00', 3, 'UTC') AND event_time < toDateTime64('2200-01-01 00:00:00', 3, 'UTC'),
    CONSTRAINT request_id_required CHECK notEmpty(ifNull(request_id, ''))
)
ENGINE = ReplacingMergeTree(_ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, app_id, toStartOfHour(event_time), event_id)
TTL toDateTime(event_time) + INTERVAL {raw_ttl_days} DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS retrievals
(
    `event_id` UUID,
    `event_time` DateTime64(3, 'UTC'),
    `tenant_id` LowCardinality(String),
    `app_id` LowCardinality(String),
    `request_id` Nullable(String),
    `session_id` Nullable(String),
    `user_id` Nullable(String),
    `query` String CODEC(ZSTD(3)),
    `method` LowCardinality(String),
    `top_k` Int32,
    `results` Nested(chunk_id String, doc_id String, score Float64, bm25_rank Nullable(Int32), dense_rank Nullable(Int32), fused_rank Int32, rerank_score Nullable(Float64)),
    `latency_ms` Float64,
    `index_version` Nullable(String),
    `_ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3),
    CONSTRAINT tenant_id_not_blank CHECK match(tenant_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT app_id_not_blank CHECK match(app_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT event_time_in_range CHECK event_time >= toDateTime64('2000-01-01 00:00:00', 3, 'UTC') AND event_time < toDateTime64('2200-01-01 00:00:00', 3, 'UTC'),
    CONSTRAINT request_id_required CHECK notEmpty(ifNull(request_id, ''))
)
ENGINE = ReplacingMergeTree(_ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, app_id, toStartOfHour(event_time), event_id)
TTL toDateTime(event_time) + INTERVAL {raw_ttl_days} DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS cache_decisions
(
    `event_id` UUID,
    `event_time` DateTime64(3, 'UTC'),
    `tenant_id` LowCardinality(String),
    `app_id` LowCardinality(String),
    `request_id` Nullable(String),
    `session_id` Nullable(String),
    `user_id` Nullable(String),
    `kind` LowCardinality(String),
    `key` String,
    `outcome` LowCardinality(String),
    `reason` String CODEC(ZSTD(3)),
    `similarity` Nullable(Float64),
    `entry_id` Nullable(String),
    `latency_ms` Nullable(Float64),
    `_ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3),
    CONSTRAINT tenant_id_not_blank CHECK match(tenant_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT app_id_not_blank CHECK match(app_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT event_time_in_range CHECK event_time >= toDateTime64('2000-01-01 00:00:00', 3, 'UTC') AND event_time < toDateTime64('2200-01-01 00:00:00', 3, 'UTC'),
    CONSTRAINT request_id_required CHECK notEmpty(ifNull(request_id, ''))
)
ENGINE = ReplacingMergeTree(_ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, app_id, toStartOfHour(event_time), event_id)
TTL toDateTime(event_time) + INTERVAL {raw_ttl_days} DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS guardrail_triggers
(
    `event_id` UUID,
    `event_time` DateTime64(3, 'UTC'),
    `tenant_id` LowCardinality(String),
    `app_id` LowCardinality(String),
    `request_id` Nullable(String),
    `session_id` Nullable(String),
    `user_id` Nullable(String),
    `stage` LowCardinality(String),
    `layer` LowCardinality(String),
    `code` LowCardinality(String),
    `severity` LowCardinality(String),
    `action` LowCardinality(String),
    `span_start` Nullable(Int32),
    `span_end` Nullable(Int32),
    `label` Nullable(String),
    `detail` Nullable(String) CODEC(ZSTD(3)),
    `subject_event_id` Nullable(String),
    `_ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3),
    CONSTRAINT tenant_id_not_blank CHECK match(tenant_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT app_id_not_blank CHECK match(app_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT event_time_in_range CHECK event_time >= toDateTime64('2000-01-01 00:00:00', 3, 'UTC') AND event_time < toDateTime64('2200-01-01 00:00:00', 3, 'UTC'),
    CONSTRAINT request_id_required CHECK notEmpty(ifNull(request_id, ''))
)
ENGINE = ReplacingMergeTree(_ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, app_id, toStartOfHour(event_time), event_id)
TTL toDateTime(event_time) + INTERVAL {raw_ttl_days} DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS llm_responses
(
    `event_id` UUID,
    `event_time` DateTime64(3, 'UTC'),
    `tenant_id` LowCardinality(String),
    `app_id` LowCardinality(String),
    `request_id` Nullable(String),
    `session_id` Nullable(String),
    `user_id` Nullable(String),
    `feature` LowCardinality(Nullable(String)),
    `model` LowCardinality(Nullable(String)),
    `prompt_version` LowCardinality(Nullable(String)),
    `cohort` LowCardinality(Nullable(String)),
    `text` String CODEC(ZSTD(3)),
    `citations` Nested(doc_id String, chunk_id Nullable(String), span_start Nullable(Int32), span_end Nullable(Int32), score Nullable(Float64)),
    `confidence` Nullable(Float64),
    `latency_ms` Float64,
    `prompt_tokens` Int32,
    `completion_tokens` Int32,
    `finish_reason` Nullable(String),
    `error` Nullable(String),
    `cached` Bool,
    `_ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3),
    CONSTRAINT tenant_id_not_blank CHECK match(tenant_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT app_id_not_blank CHECK match(app_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT event_time_in_range CHECK event_time >= toDateTime64('2000-01-01 00:00:00', 3, 'UTC') AND event_time < toDateTime64('2200-01-01 00:00:00', 3, 'UTC'),
    CONSTRAINT request_id_required CHECK notEmpty(ifNull(request_id, ''))
)
ENGINE = ReplacingMergeTree(_ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, app_id, toStartOfHour(event_time), event_id)
TTL toDateTime(event_time) + INTERVAL {raw_ttl_days} DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS user_signals
(
    `event_id` UUID,
    `event_time` DateTime64(3, 'UTC'),
    `tenant_id` LowCardinality(String),
    `app_id` LowCardinality(String),
    `request_id` Nullable(String),
    `session_id` Nullable(String),
    `user_id` Nullable(String),
    `feature` LowCardinality(Nullable(String)),
    `model` LowCardinality(Nullable(String)),
    `prompt_version` LowCardinality(Nullable(String)),
    `cohort` LowCardinality(Nullable(String)),
    `kind` LowCardinality(String),
    `value` Nullable(Float64),
    `correction_text` Nullable(String) CODEC(ZSTD(3)),
    `dwell_ms` Nullable(Int64),
    `comment` Nullable(String) CODEC(ZSTD(3)),
    `response_event_id` Nullable(String),
    `_ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3),
    CONSTRAINT tenant_id_not_blank CHECK match(tenant_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT app_id_not_blank CHECK match(app_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT event_time_in_range CHECK event_time >= toDateTime64('2000-01-01 00:00:00', 3, 'UTC') AND event_time < toDateTime64('2200-01-01 00:00:00', 3, 'UTC'),
    CONSTRAINT request_id_required CHECK notEmpty(ifNull(request_id, ''))
)
ENGINE = ReplacingMergeTree(_ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, app_id, toStartOfHour(event_time), event_id)
TTL toDateTime(event_time) + INTERVAL {raw_ttl_days} DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS documents
(
    `event_id` UUID,
    `event_time` DateTime64(3, 'UTC'),
    `tenant_id` LowCardinality(String),
    `app_id` LowCardinality(String),
    `request_id` Nullable(String),
    `session_id` Nullable(String),
    `user_id` Nullable(String),
    `doc_id` String,
    `version` Int64,
    `title` Nullable(String),
    `text` String CODEC(ZSTD(3)),
    `source` Nullable(String),
    `content_type` LowCardinality(String),
    `metadata` Map(String, String),
    `deleted` Bool,
    `_ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3),
    CONSTRAINT tenant_id_not_blank CHECK match(tenant_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT app_id_not_blank CHECK match(app_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT event_time_in_range CHECK event_time >= toDateTime64('2000-01-01 00:00:00', 3, 'UTC') AND event_time < toDateTime64('2200-01-01 00:00:00', 3, 'UTC')
)
ENGINE = ReplacingMergeTree(_ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, app_id, toStartOfHour(event_time), event_id)
TTL toDateTime(event_time) + INTERVAL {raw_ttl_days} DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS cache_warm_triggers
(
    `event_id` UUID,
    `event_time` DateTime64(3, 'UTC'),
    `tenant_id` LowCardinality(String),
    `app_id` LowCardinality(String),
    `request_id` Nullable(String),
    `session_id` Nullable(String),
    `user_id` Nullable(String),
    `kind` LowCardinality(String),
    `key` String,
    `query` Nullable(String) CODEC(ZSTD(3)),
    `template_id` Nullable(String),
    `params` Map(String, String),
    `request_count` Int64,
    `window_s` Int32,
    `reason` String CODEC(ZSTD(3)),
    `_ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3),
    CONSTRAINT tenant_id_not_blank CHECK match(tenant_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT app_id_not_blank CHECK match(app_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT event_time_in_range CHECK event_time >= toDateTime64('2000-01-01 00:00:00', 3, 'UTC') AND event_time < toDateTime64('2200-01-01 00:00:00', 3, 'UTC')
)
ENGINE = ReplacingMergeTree(_ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, app_id, toStartOfHour(event_time), event_id)
TTL toDateTime(event_time) + INTERVAL {raw_ttl_days} DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS retrain_triggers
(
    `event_id` UUID,
    `event_time` DateTime64(3, 'UTC'),
    `tenant_id` LowCardinality(String),
    `app_id` LowCardinality(String),
    `request_id` Nullable(String),
    `session_id` Nullable(String),
    `user_id` Nullable(String),
    `feature` LowCardinality(String),
    `model` LowCardinality(Nullable(String)),
    `prompt_version` LowCardinality(Nullable(String)),
    `reason` String CODEC(ZSTD(3)),
    `statistics` Map(String, Float64),
    `snapshot_id` String,
    `dataset_uri` Nullable(String),
    `dataset_rows` Int64,
    `_ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3),
    CONSTRAINT tenant_id_not_blank CHECK match(tenant_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT app_id_not_blank CHECK match(app_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT event_time_in_range CHECK event_time >= toDateTime64('2000-01-01 00:00:00', 3, 'UTC') AND event_time < toDateTime64('2200-01-01 00:00:00', 3, 'UTC')
)
ENGINE = ReplacingMergeTree(_ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, app_id, toStartOfHour(event_time), event_id)
TTL toDateTime(event_time) + INTERVAL {raw_ttl_days} DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS eval_results
(
    `event_id` UUID,
    `event_time` DateTime64(3, 'UTC'),
    `tenant_id` LowCardinality(String),
    `app_id` LowCardinality(String),
    `request_id` Nullable(String),
    `session_id` Nullable(String),
    `user_id` Nullable(String),
    `run_id` String,
    `eval_set` String,
    `eval_set_version` String,
    `item_id` String,
    `metric` LowCardinality(String),
    `value` Float64,
    `passed` Nullable(Bool),
    `baseline_run_id` Nullable(String),
    `detail` Nullable(String) CODEC(ZSTD(3)),
    `_ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3),
    CONSTRAINT tenant_id_not_blank CHECK match(tenant_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT app_id_not_blank CHECK match(app_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT event_time_in_range CHECK event_time >= toDateTime64('2000-01-01 00:00:00', 3, 'UTC') AND event_time < toDateTime64('2200-01-01 00:00:00', 3, 'UTC')
)
ENGINE = ReplacingMergeTree(_ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, app_id, toStartOfHour(event_time), event_id)
TTL toDateTime(event_time) + INTERVAL {raw_ttl_days} DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS dead_letters
(
    `event_id` UUID,
    `event_time` DateTime64(3, 'UTC'),
    `tenant_id` LowCardinality(String),
    `app_id` LowCardinality(String),
    `request_id` Nullable(String),
    `session_id` Nullable(String),
    `user_id` Nullable(String),
    `source_topic` LowCardinality(String),
    `source_partition` Int32,
    `source_offset` Int64,
    `reason` String CODEC(ZSTD(3)),
    `error_type` LowCardinality(String),
    `original_key` Nullable(String),
    `original_value` String CODEC(ZSTD(3)),
    `_ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3),
    CONSTRAINT tenant_id_not_blank CHECK match(tenant_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT app_id_not_blank CHECK match(app_id, '[^\\t\\n\\f\\r\\v ]'),
    CONSTRAINT event_time_in_range CHECK event_time >= toDateTime64('2000-01-01 00:00:00', 3, 'UTC') AND event_time < toDateTime64('2200-01-01 00:00:00', 3, 'UTC')
)
ENGINE = ReplacingMergeTree(_ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, app_id, toStartOfHour(event_time), event_id)
TTL toDateTime(event_time) + INTERVAL {dead_letter_ttl_days} DAY
SETTINGS index_granularity = 8192;
