"""The operator's side: command line, console and log output, reports, artifacts, deploying."""
