"""Running jobs: the RQ worker process and the task it runs for each job."""
