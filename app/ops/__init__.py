"""Operating the service: the supervisor behind `codegen up`, embedded Redis, migrations, metrics and logs."""
