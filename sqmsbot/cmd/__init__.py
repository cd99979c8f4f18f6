"""The command layer: tokenizer, argument binding, dispatch, help, forms (DESIGN §3)."""
