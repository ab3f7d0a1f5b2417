-- Feedback rollups and the incident table (issue 6). See services/feedback/README.md.
-- The incident views (one per source, generated from services/feedback/taxonomy.toml) are not here: the
-- feedback agent and CLI keep them in sync with the rules (services/feedback/views.py).
--
-- feedback_rollup_1m / _1h: AggregatingMergeTree keyed by (tenant, app, feature, model, prompt_version, cohort,
-- metric, window_start). metric is 'shown' (one LlmResponse), 'signal:<kind>' (one UserSignal) or
-- 'incident:<class>' (one classified failure). The states are exact distinct sets, so a replayed event (which
-- the ReplacingMergeTree raw tables store again until a merge) adds an id already in the set: replay-safe.
--   events   = uniqExact(event_id)                                  -> how many events
--   subjects = uniqExact(response the event is about)               -> how many distinct responses, so that
--              "accepted" (>= 1 positive signal) merges exactly across signal kinds and windows.
-- The label of a signal kind is applied at query time from services/feedback/labels.toml.
-- Filled by materialized views as the sink inserts raw rows (synchronous: fresh as soon as the insert returns).
-- The incident views from the raw tables are generated from services/feedback/taxonomy.toml and managed by
-- services/feedback/views.py (names incidents_from_<table>_<rules hash>); this file creates the tables.

CREATE TABLE IF NOT EXISTS feedback_rollup_1m
(
    `tenant_id` LowCardinality(String),
    `app_id` LowCardinality(String),
    `feature` LowCardinality(String),
    `model` LowCardinality(String),
    `prompt_version` LowCardinality(String),
    `cohort` LowCardinality(String),
    `metric` LowCardinality(String),
    `window_start` DateTime('UTC'),
    `events` AggregateFunction(uniqExact, UUID),
    `subjects` AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(window_start)
ORDER BY (tenant_id, app_id, feature, model, prompt_version, cohort, metric, window_start)
TTL window_start + INTERVAL {raw_ttl_days} DAY;

CREATE TABLE IF NOT EXISTS feedback_rollup_1h AS feedback_rollup_1m
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(window_start)
ORDER BY (tenant_id, app_id, feature, model, prompt_version, cohort, metric, window_start)
TTL window_start + INTERVAL {raw_ttl_days} DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_rollup_1m_shown TO feedback_rollup_1m AS
SELECT tenant_id, app_id, ifNull(feature, '') AS feature, ifNull(model, '') AS model,
       ifNull(prompt_version, '') AS prompt_version, ifNull(cohort, '') AS cohort, 'shown' AS metric,
       toStartOfMinute(event_time) AS window_start, uniqExactState(event_id) AS events,
       uniqExactState(toString(event_id)) AS subjects
FROM llm_responses
GROUP BY tenant_id, app_id, feature, model, prompt_version, cohort, window_start;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_rollup_1m_signals TO feedback_rollup_1m AS
SELECT tenant_id, app_id, ifNull(feature, '') AS feature, ifNull(model, '') AS model,
       ifNull(prompt_version, '') AS prompt_version, ifNull(cohort, '') AS cohort,
       concat('signal:', toString(kind)) AS metric, toStartOfMinute(event_time) AS window_start,
       uniqExactState(event_id) AS events,
       uniqExactState(ifNull(nullIf(response_event_id, ''), ifNull(request_id, ''))) AS subjects
FROM user_signals
GROUP BY tenant_id, app_id, feature, model, prompt_version, cohort, metric, window_start;

CREATE TABLE IF NOT EXISTS incidents
(
    `incident_id` UUID,
    `event_time` DateTime64(3, 'UTC'),
    `tenant_id` LowCardinality(String),
    `app_id` LowCardinality(String),
    `request_id` Nullable(String),
    `feature` LowCardinality(String),
    `model` LowCardinality(String),
    `prompt_version` LowCardinality(String),
    `cohort` LowCardinality(String),
    `source` LowCardinality(String),
    `trigger` LowCardinality(String),
    `rule_id` LowCardinality(String),
    `class` LowCardinality(String),
    `what` String CODEC(ZSTD(3)),
    `why` String CODEC(ZSTD(3)),
    `output` Nullable(String) CODEC(ZSTD(3)),
    `corrected_output` Nullable(String) CODEC(ZSTD(3)),
    `subject_event_id` Nullable(String),
    `_ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(_ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, app_id, toStartOfHour(event_time), incident_id)
TTL toDateTime(event_time) + INTERVAL {raw_ttl_days} DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_rollup_1m_incidents TO feedback_rollup_1m AS
SELECT tenant_id, app_id, feature, model, prompt_version, cohort, concat('incident:', toString(class)) AS metric,
       toStartOfMinute(event_time) AS window_start, uniqExactState(incident_id) AS events,
       uniqExactState(ifNull(subject_event_id, ifNull(request_id, ''))) AS subjects
FROM incidents
GROUP BY tenant_id, app_id, feature, model, prompt_version, cohort, metric, window_start;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_rollup_1h_from_1m TO feedback_rollup_1h AS
SELECT tenant_id, app_id, feature, model, prompt_version, cohort, metric,
       toStartOfHour(window_start) AS window_start, uniqExactMergeState(events) AS events,
       uniqExactMergeState(subjects) AS subjects
FROM feedback_rollup_1m
GROUP BY tenant_id, app_id, feature, model, prompt_version, cohort, metric, window_start;
