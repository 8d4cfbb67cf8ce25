from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "apps.recognition"
    label = "recognition"

    def ready(self) -> None:
        from apps.recognition import handover  # noqa: F401 - registers the deactivation handover
