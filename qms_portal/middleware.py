from django.conf import settings
from django.utils import translation


class ChosenLanguageMiddleware:
    """Vietnamese unless the user picked another language: the browser's Accept-Language is ignored,
    since civil servants' machines often report English while the portal's working language is Vietnamese."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.languages:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
