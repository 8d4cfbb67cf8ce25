from django.apps import AppConfig


class DependencyConfig(AppConfig):
    name = "apps.dependency"
    label = "dependency"

    def ready(self) -> None:
        from apps.dependency import hooks  # noqa: F401 - categories and the deactivation handover
