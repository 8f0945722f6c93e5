from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "providers.sandbox"
    label = "sandbox"
    verbose_name = "Partner sandbox"

    def ready(self) -> None:
        from . import simulators

        simulators.load()  # every partner package registers its simulator
