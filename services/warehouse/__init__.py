"""ClickHouse adapter (edge): client factory, migrations, the batch writer used by the warehouse sink."""
