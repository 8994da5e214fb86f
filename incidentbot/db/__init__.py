"""PostgreSQL: the pool, the schema migrations, the embedded server, and (later) one module of SQL per table group."""
