"""Human-facing outputs: the HTML report extensions and the terminal summary."""
