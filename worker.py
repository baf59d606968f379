"""Entry point for an RQ worker process: `python worker.py` (the same as `codegen worker`)."""

from app.cli import worker

if __name__ == "__main__":
    worker()
