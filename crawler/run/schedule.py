"""``newsarc schedule JOBS.yaml --every 1h``: a ready crontab line, or a systemd service + timer.

cron runs commands with almost no environment (``PATH=/usr/bin:/bin``, no virtualenv, another
working directory), so the line sets ``PATH`` to this installation's ``bin`` directory, ``LANG``
and ``HOME``, passes on the non-secret AWS/newsarc variables set in the shell that ran
``newsarc schedule`` (credentials belong in ``~/.aws`` or an instance role, never in a crontab),
and appends its output to ``<state>/logs/<job>/cron.log`` while cron still mails it: ``newsarc
run`` is quiet on success, so only runs with problems produce mail. The pipe into ``tee`` runs in
``bash`` with ``pipefail``: cron's ``/bin/sh`` (dash) has no such option, and without it the
line's exit status would be tee's (0), not newsarc's. Overlap needs no wrapper:
the job's own lock makes a second run exit 3 at once. The minute is derived from the job's name,
so many jobs do not all start at :00.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.exceptions import ConfigError
from crawler.run.jobs import parse_duration

if TYPE_CHECKING:
    from crawler.run.jobs import Job

__all__ = ["crontab_line", "systemd_units"]

#: Passed on from the environment of ``newsarc schedule`` when set (never credentials).
_PASS_ON = (
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "SCRAPY_PROJECT",
)


def _offset(job: Job, modulo: int) -> int:
    return int(hashlib.sha256(job.name.encode()).hexdigest(), 16) % modulo


def _interval(every: str) -> int:
    try:
        seconds = int(parse_duration(every))
    except ValueError as exc:
        raise ConfigError(f"--every: {exc}") from None
    if seconds < 60 or seconds % 60:
        raise ConfigError(f"--every {every}: give whole minutes, at least 1m")
    return seconds // 60


def _calendar(job: Job, every: str) -> tuple[str, str]:
    """(crontab schedule, systemd OnCalendar) for an interval."""
    minutes = _interval(every)
    if minutes < 60:
        if 60 % minutes:
            raise ConfigError(f"--every {every}: minutes must divide an hour (5m, 10m, 15m, 30m)")
        first = _offset(job, minutes)
        return f"{first}-59/{minutes} * * * *", f"*-*-* *:{first:02d}/{minutes}:00"
    minute = _offset(job, 60)
    if minutes % 60 == 0 and minutes < 1440:
        hours = minutes // 60
        if 24 % hours:
            raise ConfigError(f"--every {every}: hours must divide a day (1h, 2h, 3h, 6h, 12h)")
        if hours == 1:
            return f"{minute} * * * *", f"*-*-* *:{minute:02d}:00"
        first = _offset(job, hours)
        return (
            f"{minute} {first}-23/{hours} * * *",
            f"*-*-* {first:02d}/{hours}:{minute:02d}:00",
        )
    if minutes == 1440:
        hour = _offset(job, 24)
        return f"{minute} {hour} * * *", f"*-*-* {hour:02d}:{minute:02d}:00"
    raise ConfigError(f"--every {every}: use minutes (15m), hours (1h, 6h) or 1d")


def _command(job: Job) -> list[str]:
    script = Path(sys.executable).with_name("newsarc")
    if script.exists():
        return [str(script), "run", str(job.path)]
    return [sys.executable, "-m", "crawler.cli", "run", str(job.path)]


def _environment() -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": str(Path.home()),
    }
    for name in _PASS_ON:
        value = os.environ.get(name)
        if value:
            env[name] = value
    return env


def crontab_line(job: Job, every: str) -> str:
    """One crontab line (with a comment line above it) running ``job`` every ``every``."""
    when, _ = _calendar(job, every)
    log = job.state / "logs" / job.name / "cron.log"
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in _environment().items())
    command = shlex.join(_command(job))
    # The line's status is newsarc's exit code (for whatever reads it), not tee's: pipefail.
    logged = f"set -o pipefail; {command} 2>&1 | tee -a {shlex.quote(str(log))}"
    # cron treats a bare % as a newline.
    line = (
        f"{when} mkdir -p {shlex.quote(str(log.parent))} && cd {shlex.quote(str(job.path.parent))} "
        f"&& {env} bash -c {shlex.quote(logged)}"
    ).replace("%", r"\%")
    return (
        f"# newsarc run {job.name} every {every}: quiet unless a site has problems (cron mails "
        f"that); exit codes in the README; log {log}\n{line}"
    )


def systemd_units(job: Job, every: str) -> list[tuple[str, str]]:
    """``newsarc-<job>.service`` and ``newsarc-<job>.timer``, as (file name, text)."""
    _, calendar = _calendar(job, every)
    env = "\n".join(f"Environment={shlex.quote(f'{k}={v}')}" for k, v in _environment().items())
    service = f"""[Unit]
Description=newsarc run {job.name} ({job.path})
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={job.path.parent}
{env}
ExecStart={shlex.join(_command(job))}
# SIGTERM to newsarc only: it stops its sites within the job's grace period ({job.grace:g} s).
KillMode=mixed
KillSignal=SIGTERM
TimeoutStopSec={int(job.grace) + 30}
# 3: another run of the job was still running; not a failure of this one.
SuccessExitStatus=3
"""
    timer = f"""[Unit]
Description=newsarc run {job.name} every {every}

[Timer]
OnCalendar={calendar}
Persistent=true

[Install]
WantedBy=timers.target
"""
    return [(f"newsarc-{job.name}.service", service), (f"newsarc-{job.name}.timer", timer)]
