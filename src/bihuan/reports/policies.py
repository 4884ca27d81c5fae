"""Who may see, draft and publish bulletins."""
