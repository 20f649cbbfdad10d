from django.urls import path

from devservers import views, views_imports, views_review, views_teams

app_name = "devservers"

urlpatterns = [
    path("", views.devserver_list, name="list"),
    path("rows/", views.devserver_rows, name="rows"),
    path("new/", views.devserver_create, name="create"),
    path("new/flavors/", views.create_flavors, name="create-flavors"),
    path("new/images/", views.create_images, name="create-images"),
    path("new/network/", views.create_network, name="create-network"),
    path("actions/", views.batch_action, name="batch-action"),
    path("<int:devserver_id>/", views.devserver_detail, name="detail"),
    path("<int:devserver_id>/panel/", views.devserver_panel, name="panel"),
    path("<int:devserver_id>/decide/", views.devserver_decide, name="decide"),
    path("<int:devserver_id>/action/", views.devserver_action, name="action"),
    path("<int:devserver_id>/assign-owner/", views_imports.assign_owner, name="assign-owner"),
    path("review/", views_review.review, name="review"),
    path("review/export.csv", views_review.review_csv, name="review-csv"),
    path("audit/", views_review.audit_trail, name="audit"),
    path("teams/", views_teams.team_list, name="teams"),
    path("teams/<int:team_id>/", views_teams.team_detail, name="team-detail"),
]
