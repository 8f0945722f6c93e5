app_name = "rest"
urlpatterns: list = []
