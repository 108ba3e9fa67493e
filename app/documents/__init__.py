"""Documents: files attached to agreements, contributions, projects, drawdown requests and spend."""
