from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class LanguageJWTScheme(SimpleJWTScheme):
    target_class = "livrili.accounts.authentication.LanguageJWTAuthentication"
    name = "jwtAuth"
