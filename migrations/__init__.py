"""Alembic migrations; shipped as a package so an installed sqmsbot can upgrade its own store."""
