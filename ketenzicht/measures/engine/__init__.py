"""Pure rules of protective measures (no Django): periods and extensions."""
