"""storegate: the checkout root is the package its folders install under (see pyproject.toml)."""
