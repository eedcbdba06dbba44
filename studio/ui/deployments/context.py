"""What the deployment windows share: which project, which service, which credentials, and how
to run service work off the UI thread with the project's own connection.

The service profile is the app's (the one the fine-tune UI uses), completed with the Resource
Manager address kept in the project (found once from the endpoint). The labeling session owns the
project file on the UI thread (settings, job records); work functions open their own connection from
`session.stores` on the worker thread and close it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from studio.core.tasks import CancelToken, ProgressCallable
from studio.service.deployments import DeploymentManager, open_manager, supports_deployments
from studio.service.profile import ServiceProfile, project_profile

ProfileFn = Callable[[], ServiceProfile]


class DeploymentsContext:
    def __init__(self, session: Any, profile: ProfileFn, credentials: Any,
                 *, manager_factory: Callable[[ServiceProfile, Any], DeploymentManager] | None = None) -> None:
        """`session`: the project's labeling session (get_setting/set_setting, jobs, stores).
        `credentials`: a FinetuneCredentials (resolves the data-plane credentials for Try it).
        `manager_factory(profile, store)`: tests pass one that points at an emulator."""
        self.session = session
        self._profile = profile
        self.credentials = credentials
        self._factory = manager_factory or (lambda p, s: open_manager(p, s))

    def profile(self) -> ServiceProfile:
        """The app's profile plus the ARM address remembered in the project for the same resource."""
        profile = self._profile()
        if profile.subscription_id or not profile.is_azure:
            return profile
        try:
            saved = project_profile(self.session)
        except Exception:  # noqa: BLE001 - a missing address is found again from the endpoint
            return profile
        if saved is not None and saved.subscription_id and saved.resource_endpoint() == profile.resource_endpoint():
            return replace(profile, subscription_id=saved.subscription_id, resource_group=saved.resource_group,
                           account_name=saved.account_name)
        return profile

    @property
    def has_deployments(self) -> bool:
        return supports_deployments(self.profile())

    def manager(self, profile: ServiceProfile, store: Any) -> DeploymentManager:
        """A manager for `profile` using `store` (call on the thread that opened `store`)."""
        return self._factory(profile, store)

    def with_manager(self, fn: Callable[[DeploymentManager, ProgressCallable, CancelToken], Any]) -> Callable[[ProgressCallable, CancelToken], Any]:
        """A BackgroundTask function that runs `fn(manager, progress, cancel)` with its own project connection."""
        profile = self.profile()

        stores = self.session.stores

        def work(progress: ProgressCallable, cancel: CancelToken) -> Any:
            store = stores.open()
            try:
                return fn(self._factory(profile, store), progress, cancel)
            finally:
                store.close()

        return work
