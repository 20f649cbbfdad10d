from django.urls import path

from devservers import views

app_name = "devservers"

urlpatterns = [
    path("", views.devserver_list, name="list"),
    path("rows/", views.devserver_rows, name="rows"),
    path("new/", views.devserver_create, name="create"),
    path("new/flavors/", views.create_flavors, name="create-flavors"),
    path("new/images/", views.create_images, name="create-images"),
    path("new/network/", views.create_network, name="create-network"),
    path("<int:devserver_id>/", views.devserver_detail, name="detail"),
    path("<int:devserver_id>/panel/", views.devserver_panel, name="panel"),
    path("<int:devserver_id>/decide/", views.devserver_decide, name="decide"),
    path("review/", views.review, name="review"),
]
