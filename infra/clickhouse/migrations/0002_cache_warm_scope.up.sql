-- CacheWarmTrigger gained model and prompt_version (the cache scope): add them to its raw table.
ALTER TABLE cache_warm_triggers ADD COLUMN IF NOT EXISTS `model` LowCardinality(Nullable(String)) AFTER params;
ALTER TABLE cache_warm_triggers ADD COLUMN IF NOT EXISTS `prompt_version` LowCardinality(Nullable(String)) AFTER model;
