"""After an evaluation through deployments this project created, the window offers to delete them
(they are billed by the hour); deployments the studio did not create, or already deleted, are not
mentioned."""

from __future__ import annotations

from studio.core.evaluation.records import EvalRunSpec
from studio.core.store import deployment_records
from studio.core.store.evaluations import EvaluationRepository
from studio.core.store.project_store import ProjectStore
from studio.ui.evaluation.integration import install_evaluation


class AzureDialog:
    azure = True


def test_offer_to_delete_the_deployments_the_evaluation_used(qtbot, window, project):
    with ProjectStore.open(project) as store:
        for name in ("tuned-dev", "old-dev"):
            deployment_records.record_request(store, account_id="acct", name=name, model="ft:gpt-4o:x", deployment_type="developer",
                                              sku="DeveloperTier", capacity=50)
        deployment_records.mark_deleted(store, "acct", "old-dev")
        repo = EvaluationRepository(store)
        ids = [r.id for r in store.iter_images()]
        runs = [repo.create_run(EvalRunSpec(kind="fine_tuned", model="ft:gpt-4o:x", deployment=d), {"kind": "azure"},
                                ids, [], 16, ["cat", "dog", "bird"]) for d in ("tuned-dev", "old-dev", "not-ours")]
    evaluation = install_evaluation(window, None)
    try:
        evaluation._offer_cleanup(AzureDialog(), runs)
        qtbot.waitUntil(lambda: window.messages.has("evaluation-deployments"), timeout=10_000)
        text = " ".join(window.messages.texts())
        assert "\u201ctuned-dev\u201d" in text and "billed by the hour" in text
        assert "old-dev" not in text and "not-ours" not in text
    finally:
        evaluation.project_closed()
