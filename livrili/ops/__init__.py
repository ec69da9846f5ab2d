"""Operations that wire every app together (the management commands that span all apps: seed_demo,
bench_prepare). The layer above every app, like the composition root: it may import any of them,
and nothing imports it."""
