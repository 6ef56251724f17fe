"""The HTTP edge: input merging, validation messages, the envelope, paging,
and the one decorator that authenticates and maps errors to answers."""
