"""The connection test and the model list speak to the user; the demo service survives restarts."""

import pytest

from studio.core.store.project_store import ProjectStore
from studio.emulator import EmulatorServer
from studio.service import demo
from studio.service.credentials import Credentials, resolve_credentials
from studio.service.jobs.monitor import JobMonitor
from studio.service.clients import list_fine_tuned_models, test_connection
from studio.service.profile import ServiceProfile
from studio.service.submit.submission import submit

from service_helpers import fast_params

KEY = Credentials.from_key("emu-key")


def test_connection_results_say_what_to_do(emulator):
    assert test_connection(ServiceProfile(kind="azure", endpoint=emulator.azure_endpoint), KEY).ok
    assert test_connection(ServiceProfile(kind="azure_v1", endpoint=emulator.azure_endpoint),
                           Credentials(token_provider=lambda: "tok")).ok
    bad_key = test_connection(ServiceProfile(kind="openai", endpoint=emulator.base_url), Credentials.from_key("nope"))
    assert not bad_key.ok and "rejected the credentials" in bad_key.message and "API key" in bad_key.message

    def failing_sign_in() -> str:
        from azure.core.exceptions import ClientAuthenticationError

        raise ClientAuthenticationError("AADSTS50076: interaction required")

    entra = test_connection(ServiceProfile(kind="azure", endpoint=emulator.azure_endpoint, auth="entra"),
                            Credentials(token_provider=failing_sign_in))
    assert not entra.ok and "Entra sign-in" in entra.message and "AADSTS50076" in entra.message
    wrong_path = test_connection(ServiceProfile(kind="openai", endpoint=emulator.azure_endpoint + "/wrong/v1"), KEY)
    assert not wrong_path.ok and "endpoint" in wrong_path.message


def test_connection_to_nothing_says_could_not_reach():
    srv = EmulatorServer()
    port_url = srv.base_url
    srv.stop()  # bound then closed: nothing listens there now
    result = test_connection(ServiceProfile(kind="openai", endpoint=port_url), KEY)
    assert not result.ok and "Could not reach" in result.message


def test_fine_tuned_models_are_listed_for_continuous_fine_tuning(emulator, project_path):
    profile = ServiceProfile(kind="openai", endpoint=emulator.base_url)
    with ProjectStore.open(project_path) as store:
        job_id = submit(store, profile, KEY, fast_params(), poll_interval=0.02)
        JobMonitor(store, profile, KEY).watch(job_id, lambda s: None, interval=0.02)
        model = store.jobs.get_job(job_id).fine_tuned_model
        models = list_fine_tuned_models(profile, KEY)
        assert [m.model_id for m in models] == [model] and models[0].job_id == job_id
        # and one of them can be the base of the next run
        second = submit(store, profile, KEY, fast_params(model=model), poll_interval=0.02)
        assert store.jobs.get_job(second).base_model == model


@pytest.fixture
def fast_demo(monkeypatch):
    monkeypatch.setattr(demo, "DEMO_STEP_SECONDS", 0.005)
    yield
    demo.stop_demo()


def test_demo_service_runs_jobs_that_survive_a_restart(fast_demo, project_path, tmp_path):
    import os
    from pathlib import Path

    profile = ServiceProfile(kind="demo")
    creds = resolve_credentials(profile)
    assert creds.source == "demo"
    with ProjectStore.open(project_path) as store:
        job_id = submit(store, profile, creds, fast_params(), poll_interval=0.02)
        demo.stop_demo()  # the app closes
        assert Path(os.environ["XDG_DATA_HOME"]) in demo.demo_data_dir().parents
        assert (demo.demo_data_dir() / "state.json").is_file()
        # the app comes back: a new server on a new port, same jobs
        final = JobMonitor(store, profile, creds).watch(job_id, lambda s: None, interval=0.02)
        assert final.status == "succeeded" and len(store.jobs.checkpoints(job_id)) == 2
