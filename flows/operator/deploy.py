"""After `prefect deploy` (`make deploy`): the failure alert, if configured, and the next runs.

`python -m flows.operator.deploy` talks to the Prefect API in PREFECT_API_URL. With
ALERT_WEBHOOK_URL set it saves that URL in a Webhook block (a secret: never printed) and creates
an automation that POSTs to it whenever a run of sync/twice-daily ends Failed or Crashed.
Then it prints the next scheduled runs of each deployment, as the server's scheduler made them.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

from flows.config import get_settings

ALERT_NAME = "f1-sync-failed"
ALERT_BLOCK = "f1-alert-webhook"
ALERTED = "sync/twice-daily"
NEXT_RUNS = 3
WAIT_SECONDS = 30  # the scheduler picks up a new deployment within a few seconds
# What the webhook receives (a Prefect Jinja template): JSON, one line of text in "text".
ALERT_PAYLOAD = """{
  "text": {{ ("F1 pipeline: " ~ flow.name ~ "/" ~ deployment.name ~ " run " ~ flow_run.name
             ~ " ended " ~ flow_run.state.name ~ ": " ~ (flow_run.state.message or "")) | tojson }},
  "flow_run_id": "{{ flow_run.id }}",
  "state": "{{ flow_run.state.name }}"
}"""


def main() -> int:
    from prefect.client.orchestration import get_client

    settings = get_settings()
    secret = settings.alert_webhook_url
    try:
        with get_client(sync_client=True) as client:
            if secret is not None:
                print(create_alert(client, secret.get_secret_value()))
            deployments = f1_deployments(client)
            for deployment, name in deployments:
                print(next_runs_text(client, deployment, name))
    except Exception as exc:  # one line, and never the webhook URL
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if secret is not None:
            message = message.replace(secret.get_secret_value(), "***")
        print(f"error: {message}", file=sys.stderr)
        return 1
    return 0


def create_alert(client, url: str) -> str:
    """The Webhook block and the automation (replacing an earlier one of the same name)."""
    from prefect.automations import Automation
    from prefect.blocks.webhook import Webhook
    from prefect.events.actions import CallWebhook
    from prefect.events.schemas.automations import EventTrigger, Posture

    deployment = client.read_deployment_by_name(ALERTED)
    block_id = Webhook(url=url, headers={"Content-Type": "application/json"}).save(
        ALERT_BLOCK, overwrite=True
    )
    for earlier in client.read_automations_by_name(ALERT_NAME):
        client.delete_automation(earlier.id)
    Automation(
        name=ALERT_NAME,
        description=f"POST to ALERT_WEBHOOK_URL when a {ALERTED} run ends Failed or Crashed",
        trigger=EventTrigger(
            expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
            match_related={"prefect.resource.id": f"prefect.deployment.{deployment.id}"},
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[CallWebhook(block_document_id=block_id, payload=ALERT_PAYLOAD)],
    ).create()
    return (
        f"alert: automation {ALERT_NAME!r} POSTs to ALERT_WEBHOOK_URL (block {ALERT_BLOCK!r}) "
        f"when a {ALERTED} run ends Failed or Crashed"
    )


def f1_deployments(client) -> list[tuple[object, str]]:
    """The project's deployments (tag `f1`), as (deployment, "flow/deployment")."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterTags

    deployments = client.read_deployments(
        deployment_filter=DeploymentFilter(tags=DeploymentFilterTags(all_=["f1"]))
    )
    named = [(d, f"{client.read_flow(d.flow_id).name}/{d.name}") for d in deployments]
    return sorted(named, key=lambda pair: pair[1], reverse=True)  # sync first


def next_runs_text(client, deployment, name: str) -> str:
    """A few lines: the next scheduled runs, "on demand", or why there are none."""
    if not any(s.active for s in deployment.schedules):
        return f"{name}: on demand (no schedule)"
    runs = _scheduled_runs(client, deployment.id)
    if not runs:
        return (
            f"{name}: no runs scheduled {WAIT_SECONDS} s after deploying: is the server's "
            "scheduler running? (its log says why; README: Troubleshooting)"
        )
    lines = [f"{name}: next runs"]
    for run in runs:
        when = run.expected_start_time.astimezone(UTC).strftime("%a %Y-%m-%d %H:%M UTC")
        extra = {k: v for k, v in run.parameters.items() if deployment.parameters.get(k) != v}
        params = ", ".join(f"{k}={v}" for k, v in extra.items())
        lines.append(f"  {when}" + (f"  ({params})" if params else ""))
    return "\n".join(lines)


def _scheduled_runs(client, deployment_id) -> list:
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterDeploymentId,
        FlowRunFilterExpectedStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id]),
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
                expected_start_time=FlowRunFilterExpectedStartTime(after_=datetime.now(UTC)),
            ),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            limit=NEXT_RUNS,
        )
        if runs or time.monotonic() > deadline:
            return runs
        time.sleep(2)


if __name__ == "__main__":
    sys.exit(main())
