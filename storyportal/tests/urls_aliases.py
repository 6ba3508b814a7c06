from storyportal.api.root import ApiRootView
from storyportal.api.routes import ApiModule, gateway_urlpatterns

urlpatterns = gateway_urlpatterns(
    ApiRootView.as_view(), modules=(ApiModule("storyportal.tests.alias_fixture_urls", layers=("L12",)),)
)
