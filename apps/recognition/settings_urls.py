from django.urls import path

from apps.recognition.views import values

urlpatterns = [
    path("values/", values.value_list, name="settings_values"),
    path("values/<int:value_id>/", values.value_edit, name="settings_value_edit"),
]
