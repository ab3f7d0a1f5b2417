ALTER TABLE cache_warm_triggers DROP COLUMN IF EXISTS `prompt_version`;
ALTER TABLE cache_warm_triggers DROP COLUMN IF EXISTS `model`;
