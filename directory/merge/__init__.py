"""Merging a duplicate organisation into the one that is kept: every row that points at the duplicate moves,
then the duplicate goes and its old code answers with a permanent redirect."""
