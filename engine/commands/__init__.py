"""One module per `storegate` command group; each exposes register(app)."""
