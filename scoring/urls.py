from .views import assessments, dashboard, reports, results, rubrics, targets

app_name = "scoring"

# Each view module owns its routes; names are documented beside the views.
urlpatterns = [
    *rubrics.urlpatterns,
    *assessments.urlpatterns,
    *results.urlpatterns,
    *targets.urlpatterns,
    *dashboard.urlpatterns,
    *reports.urlpatterns,
]
