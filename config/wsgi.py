import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()
# Import the URLconf, and with it every view, now rather than on the first request: gunicorn
# forks its workers from this process (config/gunicorn.py preloads the app), so each starts
# ready, also when max_requests replaces it (the first request took about half a second of CPU).
get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
