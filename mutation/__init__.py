"""Mutation-testing configuration and the rule-table mutator (see docs/mutation.md)."""
