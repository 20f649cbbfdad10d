from django.urls import path

from devservers.api import views as api
from devservers.instances import views as instances
from devservers.notifications import views as notifications
from devservers.push import views as push
from devservers.requesting import views as requesting
from devservers.review import views as review
from devservers.schedules import views as schedules
from devservers.teams import views as teams

app_name = "devservers"

urlpatterns = [
    path("", instances.devserver_list, name="list"),
    path("rows/", instances.devserver_rows, name="rows"),
    path("live/list/", push.list_stream, name="live-list"),
    path("live/review/", push.review_stream, name="live-review"),
    path("live/<int:devserver_id>/", push.detail_stream, name="live-detail"),
    path("new/", requesting.devserver_create, name="create"),
    path("new/flavors/", requesting.create_flavors, name="create-flavors"),
    path("new/images/", requesting.create_images, name="create-images"),
    path("new/network/", requesting.create_network, name="create-network"),
    path("new/estimate/", requesting.create_estimate, name="create-estimate"),
    path("actions/", instances.batch_action, name="batch-action"),
    path("<int:devserver_id>/", instances.devserver_detail, name="detail"),
    path("<int:devserver_id>/panel/", instances.devserver_panel, name="panel"),
    path("<int:devserver_id>/decide/", requesting.devserver_decide, name="decide"),
    path("<int:devserver_id>/action/", instances.devserver_action, name="action"),
    path("<int:devserver_id>/confirm/<slug:action_name>/", instances.confirm_action, name="confirm-action"),
    path("<int:devserver_id>/assign-owner/", instances.assign_owner, name="assign-owner"),
    path("<int:devserver_id>/schedule/", schedules.set_schedule, name="schedule"),
    path("<int:devserver_id>/extend/", schedules.extend_lifetime, name="extend-lifetime"),
    path("review/", review.review, name="review"),
    path("review/export.csv", review.review_csv, name="review-csv"),
    path("audit/", review.audit_trail, name="audit"),
    path("teams/", teams.team_list, name="teams"),
    path("notifications/", notifications.notification_settings, name="notifications"),
    path("teams/<int:team_id>/", teams.team_detail, name="team-detail"),
    path("settings/api-tokens/", api.api_tokens, name="api-tokens"),
    path("settings/api-tokens/<int:token_id>/revoke/", api.revoke_api_token, name="api-token-revoke"),
]
