"""Scheduled crawls: ``newsarc run JOBS.yaml`` (many sites, incremental, from cron),
``newsarc schedule`` and ``newsarc headlines``.

Modules: :mod:`~crawler.run.jobs` (the jobs file), :mod:`~crawler.run.runner` (lock, one
subprocess per site, signals, exit codes), :mod:`~crawler.run.site` (the per-site child),
:mod:`~crawler.run.report` (run report, expectations, history), :mod:`~crawler.run.schedule`
(crontab line, systemd units), :mod:`~crawler.run.headlines` (a headline's series over
captures), :mod:`~crawler.run.cli` (the subcommands).
"""

from __future__ import annotations

__all__: list[str] = []
