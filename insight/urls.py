"""The BI team's and the MASH team's pages. Mounted by oxtom/urls.py at "staff/insight/"."""
app_name = "insight"

urlpatterns: list = []
