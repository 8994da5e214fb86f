"""Operator commands run from the shell (`incidentbot templates …`): a thin edge over db and domain."""
