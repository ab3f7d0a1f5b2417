-- EvalItem events (flywheel.eval-items) get a raw table; GuardrailTrigger and CacheDecision gained the
-- request's dimensions (feature, model, prompt_version, cohort) and RetrainTrigger its cohort.

CREATE TABLE IF NOT EXISTS eval_items
(
    `event_id` UUID,
    `event_time` DateTime64(3, 'UTC'),
    `tenant_id` LowCardinality(String),
    `app_id` LowCardinality(String),
    `request_id` Nullable(String),
    `session_id` Nullable(String),
    `user_id` Nullable(String),
    `item_id` String,
    `type` LowCardinality(String),
    `taxonomy_class` String,
    `rule_id` String,
    `source` String,
    `trigger` String,
    `what` String CODEC(ZSTD(3)),
    `why` String CODEC(ZSTD(3)),
    `feature` LowCardinality(Nullable(String)),
    `model` LowCardinality(Nullable(String)),
    `prompt_version` LowCardinality(Nullable(String)),
    `cohort` LowCardinality(Nullable(String)),
    `query` Nullable(String) CODEC(ZSTD(3)),
    `observed_output` Nullable(String) CODEC(ZSTD(3)),
    `expected_output` Nullable(String) CODEC(ZSTD(3)),
    `expected_sources` Array(String),
    `subject_event_id` Nullable(String),
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

ALTER TABLE guardrail_triggers ADD COLUMN IF NOT EXISTS `feature` LowCardinality(Nullable(String));
ALTER TABLE guardrail_triggers ADD COLUMN IF NOT EXISTS `model` LowCardinality(Nullable(String));
ALTER TABLE guardrail_triggers ADD COLUMN IF NOT EXISTS `prompt_version` LowCardinality(Nullable(String));
ALTER TABLE guardrail_triggers ADD COLUMN IF NOT EXISTS `cohort` LowCardinality(Nullable(String));
ALTER TABLE cache_decisions ADD COLUMN IF NOT EXISTS `feature` LowCardinality(Nullable(String));
ALTER TABLE cache_decisions ADD COLUMN IF NOT EXISTS `model` LowCardinality(Nullable(String));
ALTER TABLE cache_decisions ADD COLUMN IF NOT EXISTS `prompt_version` LowCardinality(Nullable(String));
ALTER TABLE cache_decisions ADD COLUMN IF NOT EXISTS `cohort` LowCardinality(Nullable(String));
ALTER TABLE retrain_triggers ADD COLUMN IF NOT EXISTS `cohort` LowCardinality(Nullable(String)) AFTER prompt_version;
