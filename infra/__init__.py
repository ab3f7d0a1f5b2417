"""Infrastructure assets: ClickHouse migrations, topic specs, dashboards and the embedded broker launcher."""
