"""Shared pieces of the server-rendered control center."""
