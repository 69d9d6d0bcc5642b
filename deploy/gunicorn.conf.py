"""gunicorn settings for the app (./run and deploy/quiz.service use it: ``gunicorn -c deploy/gunicorn.conf.py``).

Metrics from every worker: prometheus_client's multiprocess mode keeps each process's counts in files in
PROMETHEUS_MULTIPROC_DIR, and GET /metrics sums them. The directory must exist before the app is imported
and be emptied when gunicorn starts (old files would add a previous run's counts); a worker that exits
is marked dead so its gauges drop out. Without PROMETHEUS_MULTIPROC_DIR in the environment the directory
is instance/metrics. Command-line options (--workers, --bind, ...) still override anything set here.
"""
import os
from pathlib import Path

_dir = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                                  str(Path(__file__).resolve().parent.parent / "instance" / "metrics")))


_dir.mkdir(parents=True, exist_ok=True)


def on_starting(server):
    """Forget a previous run's counts (only the metric files: the directory may be shared by mistake)."""
    for old in _dir.glob("*.db"):
        old.unlink()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
