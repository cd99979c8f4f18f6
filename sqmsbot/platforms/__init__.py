"""Adapters: a platform's events in, CommandRequests to the dispatcher, Messages rendered back out."""
