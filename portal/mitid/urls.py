from django.urls import path

from . import views

urlpatterns = [
    path("mitid/login/", views.login, name="mitid_login"),
    path("mitid/login/callback/", views.callback, name="mitid_callback"),
    path("mitid/logout/<str:handle>/", views.logout, name="mitid_logout"),
]
