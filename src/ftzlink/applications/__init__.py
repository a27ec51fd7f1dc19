"""Applications for measures: the workflow, caps and budgets, batch signing, documents."""
