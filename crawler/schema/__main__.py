"""Print the item schema generated from the dataclasses: ``python -m crawler.schema``."""

from __future__ import annotations

import sys

from crawler.schema import render_schema

sys.stdout.write(render_schema())
