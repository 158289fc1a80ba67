"""Spiders: the generic news spider that crawls any site, driven by a profile or by nothing."""
