"""Command handlers, one module per feature; ``bot.catalog`` registers them all."""
