"""Any application's tables as entities: where they come from and how they are described."""
